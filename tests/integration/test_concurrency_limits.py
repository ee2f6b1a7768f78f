"""Concurrency limits refuse a conversation over the cap, in one process and across several."""

import asyncio
import json
import secrets
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import ADMIN_KEY
from tests.support.live_server import LiveServer, live_server
from tests.support.redis_server import redis_url_or_skip

SCRIPTED = {"OPENCONVAI_SCRIPTED_PROVIDERS": "true"}
HEADERS = {"xi-api-key": ADMIN_KEY}


def agent(server: LiveServer, **platform_settings: Any) -> str:
    body = {"conversation_config": {}, "platform_settings": platform_settings}
    response = httpx.post(f"{server.base_url}/v1/convai/agents/create", headers=HEADERS, json=body)
    agent_id: str = response.json()["agent_id"]
    return agent_id


def limit_workspace(server: LiveServer, limit: int) -> None:
    response = httpx.patch(
        f"{server.base_url}/v1/convai/settings",
        headers=HEADERS,
        json={"max_concurrent_conversations": limit},
    )
    assert response.json()["max_concurrent_conversations"] == limit


def open_conversation(
    server: LiveServer, agent_id: str, stack: ExitStack
) -> tuple[ClientConnection, dict[str, Any]]:
    url = server.base_url.replace("http", "ws") + f"/v1/convai/conversation?agent_id={agent_id}"
    ws = stack.enter_context(connect(url))
    ws.send(json.dumps({"type": "conversation_initiation_client_data",
                        "conversation_config_override": {"text_only": True}}))  # fmt: skip
    first: dict[str, Any] = json.loads(ws.recv(timeout=10))
    return ws, first


def refused(ws: ClientConnection, first: dict[str, Any]) -> bool:
    if first["type"] != "error":
        return False
    try:
        ws.recv(timeout=10)
    except ConnectionClosed as closed:
        return closed.rcvd is not None and closed.rcvd.code == 1013
    return False


def accepted_soon(server: LiveServer, agent_id: str) -> bool:
    """A slot is given back as the server sees the socket close: allow it a moment."""
    for _ in range(50):
        with ExitStack() as stack:
            _, first = open_conversation(server, agent_id, stack)
            if first["type"] == "conversation_initiation_metadata":
                return True
        time.sleep(0.1)
    return False


def local_limits(data_dir: Path) -> None:
    url = f"sqlite+aiosqlite:///{data_dir / 'store.db'}"
    with live_server(data_dir / "data", url, ADMIN_KEY, SCRIPTED) as server:
        limit_workspace(server, 1)
        agent_id = agent(server)
        with ExitStack() as first_stack:
            _, first = open_conversation(server, agent_id, first_stack)
            assert first["type"] == "conversation_initiation_metadata"
            with ExitStack() as stack:
                assert refused(*open_conversation(server, agent_id, stack))
        # The first conversation is over: its slot is free again.
        assert accepted_soon(server, agent_id)
        limit_workspace(server, -1)
        capped = agent(server, call_limits={"agent_concurrency_limit": 1})
        with ExitStack() as stack:
            _, first = open_conversation(server, capped, stack)
            assert first["type"] == "conversation_initiation_metadata"
            assert refused(*open_conversation(server, capped, stack))
            _, other = open_conversation(server, agent(server), stack)
            assert other["type"] == "conversation_initiation_metadata"


def shared_limits(data_dir: Path, redis_url: str) -> None:
    url = f"sqlite+aiosqlite:///{data_dir / 'store.db'}"
    env = {**SCRIPTED, "OPENCONVAI_REDIS_URL": redis_url,
           "OPENCONVAI_REDIS_PREFIX": "test-" + secrets.token_hex(4)}  # fmt: skip
    with (
        live_server(data_dir / "a", url, ADMIN_KEY, {**env, "OPENCONVAI_NODE_ID": "a"}) as a,
        live_server(data_dir / "b", url, ADMIN_KEY, {**env, "OPENCONVAI_NODE_ID": "b"}) as b,
    ):
        limit_workspace(a, 1)
        agent_id = agent(a)
        with ExitStack() as on_a:
            _, first = open_conversation(a, agent_id, on_a)
            assert first["type"] == "conversation_initiation_metadata"
            with ExitStack() as on_b:
                assert refused(*open_conversation(b, agent_id, on_b))
        assert accepted_soon(b, agent_id)


async def test_limits_in_one_process(tmp_path: Path) -> None:
    await asyncio.to_thread(local_limits, tmp_path)


async def test_workspace_limit_holds_across_processes_with_redis(tmp_path: Path) -> None:
    redis_url = redis_url_or_skip()
    await asyncio.to_thread(shared_limits, tmp_path, redis_url)


def process_capacity(data_dir: Path) -> None:
    url = f"sqlite+aiosqlite:///{data_dir / 'store.db'}"
    env = {**SCRIPTED, "OPENCONVAI_MAX_CONVERSATIONS": "2"}
    with live_server(data_dir / "data", url, ADMIN_KEY, env) as server:
        agent_id = agent(server)
        with ExitStack() as stack:
            for _ in range(2):
                _, first = open_conversation(server, agent_id, stack)
                assert first["type"] == "conversation_initiation_metadata"
            ws, third = open_conversation(server, agent_id, stack)
            assert refused(ws, third)
            assert "capacity" in third["error_event"]["message"]


async def test_process_capacity_refuses_before_saturation(tmp_path: Path) -> None:
    await asyncio.to_thread(process_capacity, tmp_path)
