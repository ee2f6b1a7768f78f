"""The official `elevenlabs` SDK drives MCP servers against a live server and a live MCP server."""

import asyncio
from pathlib import Path

import httpx
from elevenlabs import ElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.types import (
    ConvAiSecretLocator,
    ListMcpToolsResponseModel,
    McpServerConfigInput,
    McpServerResponseModel,
    McpServersResponseModel,
)

from tests.conftest import ADMIN_KEY
from tests.integration.test_sdk_agents import sdk
from tests.support.live_server import live_server
from tests.support.mcp_server import mcp_server


def _status_of(call: object) -> int:
    assert callable(call)
    try:
        call()
    except ApiError as exc:
        assert exc.status_code is not None
        return exc.status_code
    raise AssertionError("the call should have failed")


def drive_mcp_servers(client: ElevenLabs, mcp_url: str) -> None:
    servers = client.conversational_ai.mcp_servers
    token = client.conversational_ai.secrets.create(name="mcp-token", value="Bearer t0k")
    created = servers.create(
        config=McpServerConfigInput(
            url=mcp_url,
            name="Demo tools",
            transport="STREAMABLE_HTTP",
            secret_token=ConvAiSecretLocator(secret_id=token.secret_id),
            request_headers={"X-Demo": "hello"},
        )
    )
    assert isinstance(created, McpServerResponseModel)
    assert created.config.approval_policy == "require_approval_all"
    assert created.config.url == mcp_url and created.metadata.created_at > 0
    fetched = servers.get(created.id)
    assert fetched.id == created.id and fetched.config.name == "Demo tools"
    listing = servers.list()
    assert isinstance(listing, McpServersResponseModel)
    assert [s.id for s in listing.mcp_servers] == [created.id]

    updated = servers.update(
        created.id, approval_policy="auto_approve_all", response_timeout_secs=30
    )
    assert updated.config.approval_policy == "auto_approve_all"
    assert updated.config.response_timeout_secs == 30
    assert updated.config.request_headers == {"X-Demo": "hello"}
    per_tool = servers.approval_policy.update(
        created.id, approval_policy="require_approval_per_tool"
    )
    assert per_tool.config.approval_policy == "require_approval_per_tool"

    tools = servers.tools.list(created.id)
    assert isinstance(tools, ListMcpToolsResponseModel)
    assert tools.success is True
    by_name = {tool.name: tool for tool in tools.tools}
    assert set(by_name) == {"add", "whoami", "fail", "wait"}
    add = by_name["add"]
    assert add.input_schema["required"] == ["a", "b"]
    approved = servers.tool_approvals.create(
        created.id,
        tool_name="add",
        tool_description=add.description or "",
        input_schema=add.input_schema,
        approval_policy="auto_approved",
    )
    assert [h.tool_name for h in approved.config.tool_approval_hashes or []] == ["add"]
    statuses = {s.tool_id: s for s in servers.tools.list(created.id).tool_approval_statuses or []}
    assert statuses[f"mcp:{created.id}:add"].state == "up_to_date"
    assert statuses[f"mcp:{created.id}:fail"].state == "not_approved"
    withdrawn = servers.tool_approvals.delete(created.id, "add")
    assert withdrawn.config.tool_approval_hashes == []

    agents = client.conversational_ai.agents
    agent = agents.create(
        conversation_config={"agent": {"prompt": {"mcp_server_ids": [created.id]}}}, name="Helper"
    )
    users = servers.get(created.id).dependent_agents or []
    assert [user.id for user in users] == [agent.agent_id]
    assert _status_of(lambda: servers.delete(created.id)) == 409
    unknown = {"agent": {"prompt": {"mcp_server_ids": ["mcp_unknown"]}}}
    assert _status_of(lambda: agents.create(conversation_config=unknown)) == 400
    refused = McpServerConfigInput(url="http://10.0.0.1/mcp", name="Private")
    assert _status_of(lambda: servers.create(config=refused)) == 400

    secret = client.conversational_ai.secrets.get(token.secret_id)
    assert [s.id for s in secret.used_by.mcp_servers or []] == [created.id]

    agents.delete(agent.agent_id)
    servers.delete(created.id)
    assert _status_of(lambda: servers.get(created.id)) == 404
    assert servers.list().mcp_servers == []


async def test_official_sdk_mcp_servers(tmp_path: Path, database_url: str) -> None:
    def scenario() -> None:
        with (
            mcp_server("streamable-http") as mcp,
            live_server(
                tmp_path / "data",
                database_url,
                ADMIN_KEY,
                extra_env={"OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8"},
            ) as server,
            httpx.Client(timeout=30) as http,
        ):
            drive_mcp_servers(sdk(server, http), mcp.url)

    await asyncio.to_thread(scenario)
