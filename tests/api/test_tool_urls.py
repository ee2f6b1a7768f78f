"""Tool URLs and the outbound guard: private and loopback addresses are refused when a tool is
saved and when it is called, unless the operator lists their network."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openconvai.app import create_app
from openconvai.providers.llm.base import ToolCall
from openconvai.security.outbound import OutboundGuard
from openconvai.settings import Settings
from openconvai.tools.webhook import WebhookToolRunner
from tests.conftest import ADMIN_KEY
from tests.tools.recording_server import Received, Reply, recording_server
from tests.tools.webhook_support import agent_tool, context, webhook

REFUSED = [
    ("http://127.0.0.1:8080/hook", "127.0.0.0/8"),
    ("http://10.0.0.1/hook", "10.0.0.0/8"),
    ("http://169.254.169.254/latest/meta-data", "169.254.0.0/16"),
    ("http://[::1]:8080/hook", "::1/128"),
]


def tool(url: str) -> dict[str, Any]:
    return {
        "tool_config": {
            "type": "webhook",
            "name": "hook",
            "description": "Calls a hook",
            "api_schema": {"url": url},
        }
    }


async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings, announce_admin_key=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers={"xi-api-key": ADMIN_KEY}
        ) as http:
            yield http


@pytest.mark.parametrize(("url", "network"), REFUSED)
async def test_a_tool_at_a_private_address_is_refused_unless_its_network_is_listed(
    url: str, network: str, settings: Settings, tmp_path: Path
) -> None:
    async for http in client_for(settings):
        response = await http.post("/v1/convai/tools", json=tool(url))
        assert response.status_code == 400, response.text
        detail = response.json()["detail"]
        assert detail["status"] == "url_not_allowed"
        assert "OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS" in detail["message"]
        created = await http.post("/v1/convai/tools", json=tool("https://api.example.com/x"))
        assert created.status_code == 200
        patched = await http.patch(f"/v1/convai/tools/{created.json()['id']}", json=tool(url))
        assert patched.status_code == 400
    allowing = Settings.model_validate(
        {**settings.model_dump(), "outbound_allowed_networks": network}
    )
    async for http in client_for(allowing):
        response = await http.post("/v1/convai/tools", json=tool(url))
        assert response.status_code == 200, response.text


async def test_a_name_that_resolves_to_loopback_is_refused_when_called() -> None:
    async with recording_server() as server, OutboundGuard() as guard:
        config = webhook(server.url("/hook").replace("127.0.0.1", "localhost"))
        outcome = await WebhookToolRunner(guard).run(
            ToolCall("c1", config.name, {}), agent_tool(config), context()
        )
    assert outcome.is_error and "loopback" in outcome.result
    assert server.received == []


async def test_a_redirect_to_a_private_address_is_refused_when_called() -> None:
    def redirect(request: Received) -> Reply:
        if request.path == "/start":
            return Reply(302, b"", headers={"location": "http://10.0.0.1/inside"})
        return Reply.of_json({})

    async with recording_server(redirect) as server, OutboundGuard(["127.0.0.0/8"]) as guard:
        config = webhook(server.url("/start"))
        outcome = await WebhookToolRunner(guard).run(
            ToolCall("c1", config.name, {}), agent_tool(config), context()
        )
    assert outcome.is_error and "10.0.0.1" in outcome.result
    assert [request.path for request in server.received] == ["/start"]
    async with recording_server() as server, OutboundGuard(["127.0.0.0/8"]) as guard:
        config = webhook(server.url("/hook").replace("127.0.0.1", "localhost"))
        outcome = await WebhookToolRunner(guard).run(
            ToolCall("c1", config.name, {}), agent_tool(config), context()
        )
    # Listed, the same loopback name is called.
    assert not outcome.is_error and len(server.received) == 1
