"""Bad input at the door gets a prompt, clear answer, never silence: wrongly typed
initiation data, and conversation URLs whose request line is too long to parse."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import ADMIN_KEY
from tests.integration.test_conversation_socket import closed_with, create_agent, url_for
from tests.support.live_server import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir: Path = tmp_path_factory.mktemp("openings")
    url = f"sqlite+aiosqlite:///{data_dir / 'store.db'}"
    with live_server(
        data_dir / "data", url, ADMIN_KEY, {"OPENCONVAI_SCRIPTED_PROVIDERS": "true"}
    ) as s:
        yield s


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"dynamic_variables": [1, 2]}, "dynamic_variables must be an object, not an array"),
        ({"conversation_config_override": "x"}, "conversation_config_override must be an object"),
        ({"custom_llm_extra_body": 5}, "custom_llm_extra_body must be an object, not a number"),
        ({"source_info": True}, "source_info must be an object, not a boolean"),
        ({"user_id": 7}, "user_id must be a string, not a number"),
    ],
)
def test_wrongly_typed_initiation_is_refused_at_once(
    server: LiveServer, fields: dict[str, Any], complaint: str
) -> None:
    agent_id = create_agent(server, {})
    started = time.monotonic()
    with connect(url_for(server, agent_id)) as ws:
        ws.send(json.dumps({"type": "conversation_initiation_client_data", **fields}))
        error = json.loads(ws.recv(timeout=1))
        assert error["type"] == "error"
        assert error["error_event"]["error_type"] == "invalid_message"
        assert complaint in error["error_event"]["message"]
        assert closed_with(ws) == 1008
    assert time.monotonic() - started < 1
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["agent_id=" + "a" * 10_000, "padding=" + "b" * 9_000 + "&agent_id=agent_x"],
    ids=["long agent_id", "long parameter before agent_id"],
)
def test_a_request_line_too_long_is_refused_at_once(server: LiveServer, query: str) -> None:
    url = server.base_url.replace("http", "ws") + f"/v1/convai/conversation?{query}"
    started = time.monotonic()
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=5)
    assert refused.value.response.status_code == 414
    assert time.monotonic() - started < 1
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200
