"""MCP tools in a live conversation: a real MCP server from the official SDK, the agent's
custom LLM asking for its tool, and the approval flow over the conversation socket:
approved, refused and left unanswered."""

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from elevenlabs import ElevenLabs
from elevenlabs.types import McpServerConfigInput
from websockets.sync.client import ClientConnection, connect

from tests.conftest import ADMIN_KEY
from tests.integration.test_conversation_socket import initiate, until
from tests.support.fake_vendors import CallTool, FakeVendor, SayToolResult, openai_api
from tests.support.fake_vendors.server import serve
from tests.support.live_server import LiveServer, finished_conversation, live_server
from tests.support.mcp_server import mcp_server

EVENTS = [
    "agent_response", "user_transcript", "agent_chat_response_part", "mcp_tool_call",
    "mcp_connection_status", "agent_tool_request", "agent_tool_response",
]  # fmt: skip


def make_agent(client: ElevenLabs, mcp_url: str, llm_url: str) -> tuple[str, str]:
    server = client.conversational_ai.mcp_servers.create(
        config=McpServerConfigInput(url=mcp_url, name="Demo tools", transport="STREAMABLE_HTTP")
    )
    listed = client.conversational_ai.mcp_servers.tools.list(server.id)
    assert listed.success and {tool.name for tool in listed.tools} >= {"add", "wait"}
    agent = client.conversational_ai.agents.create(
        conversation_config={
            "agent": {
                "prompt": {
                    "prompt": "You add numbers.",
                    "llm": "custom-llm",
                    "custom_llm": {"url": llm_url, "model_id": "scripted"},
                    "mcp_server_ids": [server.id],
                }
            },
            "conversation": {"client_events": EVENTS},
        }
    )
    return agent.agent_id, server.id


def mcp_states(ws: ClientConnection, until_state: str) -> list[dict[str, Any]]:
    """`mcp_tool_call` bodies up to the one in `until_state`."""
    seen = []
    while True:
        body = until(ws, "mcp_tool_call")["mcp_tool_call"]
        seen.append(body)
        if body["state"] == until_state:
            return seen


def converse(server: LiveServer, agent_id: str, llm: FakeVendor) -> tuple[str, list[Any]]:
    url = server.base_url.replace("http", "ws") + f"/v1/convai/conversation?agent_id={agent_id}"
    answers: list[Any] = []
    with connect(url) as ws:
        metadata = initiate(ws, conversation_config_override={"conversation": {"text_only": True}})
        conversation_id = metadata["conversation_initiation_metadata_event"]["conversation_id"]
        status = until(ws, "mcp_connection_status")["mcp_connection_status"]
        (integration,) = status["integrations"]
        assert integration["is_connected"] and integration["tool_count"] >= 4
        for decision in (True, False, None):
            llm.script(CallTool(f"c_{decision}", "add", '{"a": 2, "b": 3}'), SayToolResult())
            ws.send(json.dumps({"type": "user_message", "text": "what is two plus three"}))
            waiting = until(ws, "mcp_tool_call")["mcp_tool_call"]
            assert waiting["state"] == "awaiting_approval" and waiting["tool_name"] == "add"
            assert waiting["parameters"] == {"a": 2, "b": 3}
            if decision is not None:
                ws.send(
                    json.dumps(
                        {
                            "type": "mcp_tool_approval_result",
                            "tool_call_id": waiting["tool_call_id"],
                            "is_approved": decision,
                        }
                    )
                )
            end = "success" if decision else "failure"
            states = [waiting["state"]] + [s["state"] for s in mcp_states(ws, end)]
            answer = until(ws, "agent_response")["agent_response_event"]["agent_response"]
            answers.append((states, answer))
    return conversation_id, answers


async def test_mcp_calls_approved_refused_and_timed_out(tmp_path: Path, database_url: str) -> None:
    llm = FakeVendor()
    env = {
        "OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
        "OPENCONVAI_MCP_APPROVAL_TIMEOUT_SECS": "2",
    }
    with mcp_server("streamable-http") as mcp, serve(openai_api.app(llm)) as llm_base:

        def scenario() -> tuple[dict[str, Any], list[Any]]:
            with (
                live_server(tmp_path / "data", database_url, ADMIN_KEY, env) as server,
                httpx.Client(timeout=30) as http,
            ):
                client = ElevenLabs(base_url=server.base_url, api_key=ADMIN_KEY, httpx_client=http)
                agent_id, _ = make_agent(client, mcp.url, f"{llm_base}/v1")
                conversation_id, answers = converse(server, agent_id, llm)
                return finished_conversation(server, conversation_id), answers

        record, answers = await asyncio.to_thread(scenario)
    (approved, approved_answer), (refused, refused_answer), (silent, silent_answer) = answers
    assert approved == ["awaiting_approval", "loading", "success"]
    assert "5" in approved_answer
    assert refused == ["awaiting_approval", "failure"]
    assert "did not approve" in refused_answer
    assert silent == ["awaiting_approval", "failure"]
    assert "5" not in silent_answer
    agent_turns = [t for t in record["transcript"] if t["role"] == "agent" and t["tool_calls"]]
    assert [t["tool_calls"][0]["type"] for t in agent_turns] == ["mcp", "mcp", "mcp"]
    errors = [t["tool_results"][0]["is_error"] for t in agent_turns]
    assert errors == [False, True, True]
