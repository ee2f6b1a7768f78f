"""Webhook tools end to end: the official SDK makes the tool and the agent, a scripted
OpenAI-compatible server is the agent's custom LLM and asks for the tool, a local server
receives the webhook, and the agent's answer carries its result, by text and by voice."""

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
from elevenlabs import ElevenLabs
from elevenlabs.conversational_ai.conversation import Conversation
from websockets.sync.client import connect

from tests.conftest import ADMIN_KEY
from tests.integration.test_conversation_socket import initiate, until
from tests.support.fake_vendors import CallTool, FakeVendor, SayToolResult, openai_api
from tests.support.fake_vendors.server import serve
from tests.support.live_server import LiveServer, finished_conversation, live_server
from tests.support.sdk_audio import ToneCodeAudio
from tests.tools.recording_server import Received, Reply, recording_server

ORDER_ARGS = '{"order_id": "A-17", "verbose": true, "note": "gift wrap"}'
SHIPPED = {"status": "shipped", "eta": "Tuesday"}
ALL_TOOL_EVENTS = [
    "audio", "agent_response", "user_transcript", "agent_chat_response_part",
    "agent_tool_request", "agent_tool_response", "agent_tool_response_full_payload",
]  # fmt: skip


def shipped(request: Received) -> Reply:
    return Reply.of_json(SHIPPED)


def wait_for(predicate: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def make_agent(client: ElevenLabs, hooks_url: str, llm_url: str) -> tuple[str, str]:
    secret = client.conversational_ai.secrets.create(name="orders-key", value="s3cret-value")
    tool = client.conversational_ai.tools.create(
        request={
            "tool_config": {
                "type": "webhook",
                "name": "get_order",
                "description": "Looks up an order's delivery",
                "api_schema": {
                    "url": f"{hooks_url}/orders/{{order_id}}",
                    "method": "POST",
                    "path_params_schema": {"order_id": {"type": "string", "description": "id"}},
                    "query_params_schema": {
                        "properties": {"verbose": {"type": "boolean", "description": "more"}}
                    },
                    "request_body_schema": {
                        "type": "object",
                        "properties": {"note": {"type": "string", "description": "a note"}},
                    },
                    "request_headers": {"X-Api-Key": {"secret_id": secret.secret_id}},
                },
            }
        }
    )
    agent = client.conversational_ai.agents.create(
        conversation_config={
            "agent": {
                "prompt": {
                    "prompt": "You help with orders.",
                    "llm": "custom-llm",
                    "custom_llm": {"url": llm_url, "model_id": "scripted"},
                    "tool_ids": [tool.id],
                }
            },
            "conversation": {"client_events": ALL_TOOL_EVENTS},
        }
    )
    return agent.agent_id, tool.id


def text_conversation(server: LiveServer, client: ElevenLabs, agent_id: str) -> str:
    responses: list[str] = []
    conversation = Conversation(
        client, agent_id, requires_auth=False, callback_agent_response=responses.append
    )
    conversation.start_session()
    wait_for(lambda: conversation._conversation_id is not None)
    conversation.send_user_message("where is my order A-17?")
    wait_for(lambda: any("shipped" in r for r in responses))
    conversation.end_session()
    return conversation.wait_for_session_end() or ""


def voice_conversation(server: LiveServer, client: ElevenLabs, agent_id: str) -> str:
    audio = ToneCodeAudio("where is my order", delay_secs=1.0)
    responses: list[str] = []
    conversation = Conversation(
        client,
        agent_id,
        requires_auth=False,
        audio_interface=audio,
        callback_agent_response=responses.append,
    )
    conversation.start_session()
    wait_for(lambda: any("shipped" in r for r in responses))
    wait_for(lambda: "shipped" in audio.heard_text())
    time.sleep(0.5)
    conversation.end_session()
    return conversation.wait_for_session_end() or ""


def socket_events(server: LiveServer, agent_id: str) -> list[dict[str, Any]]:
    url = server.base_url.replace("http", "ws") + f"/v1/convai/conversation?agent_id={agent_id}"
    with connect(url) as ws:
        initiate(ws, conversation_config_override={"conversation": {"text_only": True}})
        ws.send(json.dumps({"type": "user_message", "text": "order A-17 please"}))
        request = until(ws, "agent_tool_request")
        response = until(ws, "agent_tool_response")
        full = until(ws, "agent_tool_response_full_payload")
        answer = until(ws, "agent_response")
    return [request, response, full, answer]


async def test_webhook_tool_through_the_sdk(tmp_path: Path, database_url: str) -> None:
    llm = FakeVendor()
    env = {"OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8"}
    async with recording_server(shipped) as hooks:
        with serve(openai_api.app(llm)) as llm_base:

            def scenario() -> None:
                with (
                    live_server(tmp_path / "data", database_url, ADMIN_KEY, env) as server,
                    httpx.Client(timeout=30) as http,
                ):
                    client = ElevenLabs(
                        base_url=server.base_url, api_key=ADMIN_KEY, httpx_client=http
                    )
                    agent_id, _ = make_agent(client, hooks.url(""), f"{llm_base}/v1")
                    for talk in (text_conversation, voice_conversation):
                        llm.script(CallTool("call_1", "get_order", ORDER_ARGS), SayToolResult())
                        conversation_id = talk(server, client, agent_id)
                        check_stored(server, conversation_id)
                    llm.script(CallTool("call_2", "get_order", ORDER_ARGS), SayToolResult())
                    check_events(socket_events(server, agent_id))

            await asyncio.to_thread(scenario)
    assert len(hooks.received) == 3
    for request in hooks.received:
        assert request.method == "POST"
        assert request.path == "/orders/A-17"
        assert request.query == {"verbose": "true"}
        assert request.json() == {"note": "gift wrap"}
        assert request.headers["x-api-key"] == "s3cret-value"
    # The model's second request carried the webhook's answer as the tool result.
    tool_messages = [m for r in llm.received for m in r.body["messages"] if m.get("role") == "tool"]
    assert tool_messages and all(json.loads(m["content"]) == SHIPPED for m in tool_messages)
    assert llm.received[0].body["tools"][0]["function"]["name"] == "get_order"


def check_stored(server: LiveServer, conversation_id: str) -> None:
    record = finished_conversation(server, conversation_id)
    agent_turns = [t for t in record["transcript"] if t["role"] == "agent"]
    answer = agent_turns[-1]
    assert "shipped" in answer["message"]
    (call,) = answer["tool_calls"]
    assert call["tool_name"] == "get_order" and call["type"] == "webhook"
    assert json.loads(call["params_as_json"]) == json.loads(ORDER_ARGS)
    (result,) = answer["tool_results"]
    assert json.loads(result["result_value"]) == SHIPPED and result["is_error"] is False
    assert result["tool_latency_secs"] > 0


def check_events(events: list[dict[str, Any]]) -> None:
    request, response, full, answer = events
    assert request["agent_tool_request"]["tool_name"] == "get_order"
    assert request["agent_tool_request"]["tool_type"] == "webhook"
    body = response["agent_tool_response"]
    assert body["tool_name"] == "get_order" and body["is_error"] is False
    payload = full["agent_tool_response_full_payload"]
    assert json.loads(payload["full_tool_result"]) == SHIPPED
    assert "shipped" in answer["agent_response_event"]["agent_response"]
