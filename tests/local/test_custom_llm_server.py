"""`custom_llm` against a real OpenAI-compatible server: llama.cpp serving the embedded GGUF."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from openconvai.model_store.catalog import QWEN_05B
from openconvai.settings import Settings
from tests.conftest import ADMIN_KEY
from tests.support.live_server import LiveServer, live_server

pytestmark = pytest.mark.slow

WEATHER_TOOL = {
    "type": "client",
    "name": "get_weather",
    "description": "Get the current weather for a city",
    "expects_response": True,
    "response_timeout_secs": 20,
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city"}},
        "required": ["city"],
    },
}


@pytest.fixture(scope="module")
def llama_server(models_dir: Path) -> Iterator[str]:
    """llama.cpp's own OpenAI-compatible server, in this process, on a loopback port."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    settings = Settings(data_dir=models_dir.parent, models_dir=models_dir)
    params.model.path = str(QWEN_05B.joined_path(settings))
    params.n_ctx = 4096
    params.n_parallel = 1
    params.use_jinja = True  # llama.cpp's native tool calling needs the model's template
    params.cpuparams.poll = 0
    server = xllamacpp.Server(params)
    yield f"{server.listening_address}/v1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("custom_llm")
    url = f"sqlite+aiosqlite:///{data_dir / 'store.db'}"
    with live_server(data_dir / "data", url, ADMIN_KEY) as running:
        yield running


def create_agent(server: LiveServer, llama_url: str, **prompt: Any) -> str:
    config = {
        "agent": {
            "first_message": "",
            "prompt": {
                "llm": "custom-llm",
                "custom_llm": {"url": llama_url, "model_id": "qwen2.5-coder-0.5b"},
                **prompt,
            },
        }
    }
    response = httpx.post(
        f"{server.base_url}/v1/convai/agents/create",
        headers={"xi-api-key": ADMIN_KEY},
        json={"conversation_config": config},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["agent_id"])


@contextmanager
def open_text_conversation(server: LiveServer, agent_id: str) -> Iterator[ClientConnection]:
    url = server.base_url.replace("http", "ws") + f"/v1/convai/conversation?agent_id={agent_id}"
    with connect(url) as ws:
        yield _initiated(ws)


def _initiated(ws: ClientConnection) -> ClientConnection:
    ws.send(
        json.dumps(
            {
                "type": "conversation_initiation_client_data",
                "conversation_config_override": {"text_only": True},
            }
        )
    )
    assert json.loads(ws.recv(timeout=10))["type"] == "conversation_initiation_metadata"
    return ws


def messages_until(ws: ClientConnection, kind: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Every message up to and including the first of `kind` (or a tool call, or an error)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message["type"] == "ping":
            ws.send(json.dumps({"type": "pong", "event_id": message["ping_event"]["event_id"]}))
        seen.append(message)
        if message["type"] in {kind, "error", "client_tool_call"}:
            return seen


def test_a_reply_streams_from_the_server(server: LiveServer, llama_server: str) -> None:
    agent_id = create_agent(server, llama_server, prompt="Answer in one short sentence.")
    with open_text_conversation(server, agent_id) as ws:
        ws.send(json.dumps({"type": "user_message", "text": "What colour is the sky?"}))
        seen = messages_until(ws, "agent_response")
    assert seen[-1]["type"] == "agent_response", seen[-1]
    reply = seen[-1]["agent_response_event"]["agent_response"]
    deltas = [
        m["text_response_part"]["text"]
        for m in seen
        if m["type"] == "agent_chat_response_part" and m["text_response_part"]["type"] == "delta"
    ]
    assert len(deltas) > 1 and "".join(deltas) == reply  # streamed, not sent whole
    assert "blue" in reply.lower()


def test_a_tool_call_reaches_the_client(server: LiveServer, llama_server: str) -> None:
    agent_id = create_agent(
        server,
        llama_server,
        prompt="You tell people the weather. Use get_weather to find it out.",
        tools=[WEATHER_TOOL],
    )
    with open_text_conversation(server, agent_id) as ws:
        ws.send(json.dumps({"type": "user_message", "text": "What's the weather in Paris?"}))
        call = messages_until(ws, "client_tool_call")[-1]
        assert call["type"] == "client_tool_call", call
        event = call["client_tool_call"]
        assert event["tool_name"] == "get_weather"
        assert event["parameters"].get("city", "").lower() == "paris"
        result = {"type": "client_tool_result", "tool_call_id": event["tool_call_id"],
                  "result": "Sunny, 24 degrees Celsius", "is_error": False}  # fmt: skip
        ws.send(json.dumps(result))
        # The result goes back to the server in the next request; a 0.5B model may answer
        # or call the tool again, but nothing fails.
        after = messages_until(ws, "agent_response")[-1]
    assert after["type"] in {"agent_response", "client_tool_call"}, after
