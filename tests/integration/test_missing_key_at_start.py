"""A conversation with an agent whose vendor key went away is refused at the start."""

from pathlib import Path

import httpx
from websockets.sync.client import connect

from tests.conftest import ADMIN_KEY
from tests.integration.test_conversation_socket import closed_with, initiate, url_for
from tests.support.live_server import live_server


def test_the_conversation_is_refused_with_the_missing_key_named(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    with live_server(tmp_path / "data", url, ADMIN_KEY) as server:
        headers = {"xi-api-key": ADMIN_KEY}
        with httpx.Client(base_url=server.base_url, headers=headers) as http:
            secret = http.post(
                "/v1/convai/secrets",
                json={"type": "new", "name": "ANTHROPIC_API_KEY", "value": "sk-ant-test"},
            ).json()["secret_id"]
            config = {"agent": {"prompt": {"llm": "claude-sonnet-4"}}}
            agent_id = http.post(
                "/v1/convai/agents/create", json={"conversation_config": config}
            ).json()["agent_id"]
            assert http.delete(f"/v1/convai/secrets/{secret}").status_code == 204
        with connect(url_for(server, agent_id)) as ws:
            error = initiate(ws)["error_event"]
            assert "Anthropic" in error["message"] and "ANTHROPIC_API_KEY" in error["message"]
            assert closed_with(ws) == 1008
