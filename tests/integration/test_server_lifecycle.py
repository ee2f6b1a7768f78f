"""A conversation survives its server: SIGKILL keeps finished turns, SIGTERM ends cleanly."""

import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import ADMIN_KEY
from tests.support.live_server import LiveServer, live_server

ENV = {"OPENCONVAI_SCRIPTED_PROVIDERS": "true", "OPENCONVAI_NODE_ID": "node-a"}


def create_agent(server: LiveServer) -> str:
    response = httpx.post(
        f"{server.base_url}/v1/convai/agents/create",
        headers={"xi-api-key": ADMIN_KEY},
        json={"conversation_config": {}},
    )
    agent_id: str = response.json()["agent_id"]
    return agent_id


def ws_url(server: LiveServer, agent_id: str) -> str:
    return server.base_url.replace("http", "ws") + f"/v1/convai/conversation?agent_id={agent_id}"


def start_text_conversation(ws: ClientConnection) -> str:
    ws.send(json.dumps({"type": "conversation_initiation_client_data",
                        "conversation_config_override": {"text_only": True}}))  # fmt: skip
    first = json.loads(ws.recv(timeout=10))
    assert first["type"] == "conversation_initiation_metadata"
    conversation_id: str = first["conversation_initiation_metadata_event"]["conversation_id"]
    return conversation_id


def turn(ws: ClientConnection, text: str) -> str:
    ws.send(json.dumps({"type": "user_message", "text": text}))
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message["type"] == "agent_response":
            reply: str = message["agent_response_event"]["agent_response"]
            return reply


def stored(server: LiveServer, conversation_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{server.base_url}/v1/convai/conversations/{conversation_id}",
        headers={"xi-api-key": ADMIN_KEY},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def kill_mid_conversation(data_dir: Path, database_url: str) -> None:
    with live_server(data_dir, database_url, ADMIN_KEY, ENV) as server:
        agent_id = create_agent(server)
        with connect(ws_url(server, agent_id), subprotocols=["convai"]) as ws:  # type: ignore[list-item]
            conversation_id = start_text_conversation(ws)
            assert turn(ws, "first") == "You said: first"
            assert turn(ws, "second") == "You said: second"
            # An entry is stored within a second of being final.
            time.sleep(1.0)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
    with live_server(data_dir, database_url, ADMIN_KEY, ENV) as restarted:
        record = stored(restarted, conversation_id)
        messages = [(t["role"], t["message"]) for t in record["transcript"]]
        assert messages == [
            ("user", "first"), ("agent", "You said: first"),
            ("user", "second"), ("agent", "You said: second"),
        ]  # fmt: skip
        assert record["status"] == "failed"


def terminate_mid_conversation(data_dir: Path, database_url: str) -> None:
    with live_server(data_dir, database_url, ADMIN_KEY, ENV) as server:
        agent_id = create_agent(server)
        with connect(ws_url(server, agent_id), subprotocols=["convai"]) as ws:  # type: ignore[list-item]
            conversation_id = start_text_conversation(ws)
            assert turn(ws, "hello") == "You said: hello"
            server.process.send_signal(signal.SIGTERM)
            try:
                while True:
                    ws.recv(timeout=10)
            except ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 1001
        server.process.wait(timeout=20)
    with live_server(data_dir, database_url, ADMIN_KEY, ENV) as restarted:
        record = stored(restarted, conversation_id)
        assert record["status"] == "done"
        assert [t["message"] for t in record["transcript"]] == ["hello", "You said: hello"]


async def test_sigkill_keeps_finished_turns_and_fails_the_conversation(
    tmp_path: Path, database_url: str
) -> None:
    await asyncio.to_thread(kill_mid_conversation, tmp_path / "data", database_url)


async def test_sigterm_ends_live_conversations_with_1001(tmp_path: Path, database_url: str) -> None:
    await asyncio.to_thread(terminate_mid_conversation, tmp_path / "data", database_url)
