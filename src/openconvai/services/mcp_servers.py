"""MCP servers: stored with defaults filled in and URLs checked, kept while agents use them."""

import copy
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.clock import now_ms
from openconvai.schemas.agents import ResourceAccessInfo
from openconvai.schemas.mcp_servers import (
    ListMCPToolsResponse,
    MCPApprovalPolicyUpdateRequest,
    MCPApprovedToolDefinition,
    MCPServerConfig,
    MCPServerConfigUpdateRequest,
    MCPServerRequest,
    MCPServerResponse,
    MCPServersResponse,
    MCPTool,
    MCPToolAddApprovalRequest,
    MCPToolApprovalStatus,
)
from openconvai.schemas.secrets import DependentAvailableAgentIdentifier
from openconvai.security.encryption import SecretBox
from openconvai.security.ids import new_id
from openconvai.security.outbound import OutboundGuard, OutboundUnresolvable, OutboundUrlRefused
from openconvai.services.agent_mcp_servers import server_spec
from openconvai.services.documents import normalised
from openconvai.services.errors import BadRequest, Conflict, NotFound
from openconvai.services.secret_usage import require_existing_secrets
from openconvai.store import mcp_servers as mcp_store
from openconvai.store import secrets as secret_store
from openconvai.store.models import Agent, McpServer
from openconvai.tools.mcp_config import approval_state, tool_hash

# Every caller of a workspace acts as its admin: workspaces have no finer roles yet.
_ACCESS = ResourceAccessInfo(is_creator=True, creator_name="", creator_email="", role="admin")
# Fields whose sent object merges into the stored one (a null value removes a key).
_MERGED = ("request_headers", "request_meta")
# Fields a null leaves as they are (any other null resets its field to the default).
_KEPT_ON_NULL = ("name", "url", "transport")
_NOT_INSTALLED = "MCP support is not installed on this server (pip install 'openconvai[mcp]')."


async def create_mcp_server(
    session: AsyncSession,
    box: SecretBox,
    guard: OutboundGuard,
    workspace_id: str,
    body: MCPServerRequest,
) -> MCPServerResponse:
    """Store a new server, its config completed with defaults, once its URL passes the guard."""
    config = body.config.model_dump(mode="json")
    await _check(session, box, guard, workspace_id, config, url_changed=True)
    now = now_ms()
    server = McpServer(
        id=new_id("mcp"),
        workspace_id=workspace_id,
        config=config,
        approved_definitions={},
        created_at_ms=now,
        updated_at_ms=now,
    )
    await mcp_store.add_mcp_server(session, server)
    await session.commit()
    return mcp_server_response(server, [])


async def get_mcp_server(
    session: AsyncSession, workspace_id: str, server_id: str
) -> MCPServerResponse:
    """The server; `NotFound` outside the caller's workspace."""
    return await _respond(session, await _require(session, workspace_id, server_id))


async def list_mcp_servers(session: AsyncSession, workspace_id: str) -> MCPServersResponse:
    """Every server of the workspace, newest first, with the agents using each."""
    rows = await mcp_store.list_mcp_servers(session, workspace_id)
    users = await mcp_store.agents_using(session, workspace_id, [row.id for row in rows])
    return MCPServersResponse(
        mcp_servers=[mcp_server_response(row, users.get(row.id, [])) for row in rows]
    )


async def update_mcp_server(
    session: AsyncSession,
    box: SecretBox,
    guard: OutboundGuard,
    workspace_id: str,
    server_id: str,
    body: MCPServerConfigUpdateRequest,
) -> MCPServerResponse:
    """Apply a PATCH: the fields sent change (null resets one); header maps merge.

    A null `name`, `url` or `transport` leaves it as it is: those have no default to go back to
    (or, for `transport`, one that would silently change how the server is reached).
    """
    server = await _require(session, workspace_id, server_id)
    config = copy.deepcopy(server.config)
    sent = body.model_dump(mode="json", exclude_unset=True)
    for key, value in sent.items():
        if key in _MERGED and isinstance(value, dict):
            merged = dict(config.get(key) or {})
            for name, item in value.items():
                if item is None:
                    merged.pop(name, None)
                else:
                    merged[name] = item
            config[key] = merged
        elif value is None:
            if key not in _KEPT_ON_NULL:
                config.pop(key, None)
        else:
            config[key] = value
    config = normalised(MCPServerConfig, config, ("body",))
    url_changed = "url" in sent and config["url"] != server.config.get("url")
    await _check(session, box, guard, workspace_id, config, url_changed=url_changed)
    return await _save(session, server, config)


async def update_approval_policy(
    session: AsyncSession, workspace_id: str, server_id: str, body: MCPApprovalPolicyUpdateRequest
) -> MCPServerResponse:
    """Set the server's approval policy."""
    server = await _require(session, workspace_id, server_id)
    return await _save(session, server, {**server.config, "approval_policy": body.approval_policy})


async def add_tool_approval(
    session: AsyncSession, workspace_id: str, server_id: str, body: MCPToolAddApprovalRequest
) -> MCPServerResponse:
    """Approve a tool as defined now (replacing an earlier approval of it)."""
    server = await _require(session, workspace_id, server_id)
    entry = {
        "tool_name": body.tool_name,
        "tool_hash": tool_hash(body.tool_description, body.input_schema),
        "approval_policy": body.approval_policy,
    }
    others = [e for e in _approvals(server) if e["tool_name"] != body.tool_name]
    server.approved_definitions = {
        **server.approved_definitions,
        body.tool_name: {"description": body.tool_description, "input_schema": body.input_schema},
    }
    return await _save(session, server, {**server.config, "tool_approval_hashes": [*others, entry]})


async def remove_tool_approval(
    session: AsyncSession, workspace_id: str, server_id: str, tool_name: str
) -> MCPServerResponse:
    """Withdraw a tool's approval."""
    server = await _require(session, workspace_id, server_id)
    kept = [e for e in _approvals(server) if e["tool_name"] != tool_name]
    if len(kept) == len(_approvals(server)):
        raise NotFound(
            "tool_approval_not_found", f"The MCP server has no approval of tool {tool_name!r}."
        )
    server.approved_definitions = {
        name: definition
        for name, definition in server.approved_definitions.items()
        if name != tool_name
    }
    return await _save(session, server, {**server.config, "tool_approval_hashes": kept})


async def delete_mcp_server(session: AsyncSession, workspace_id: str, server_id: str) -> None:
    """Delete a server, refusing (409) while agents name it."""
    server = await _require(session, workspace_id, server_id)
    users = (await mcp_store.agents_using(session, workspace_id, [server.id])).get(server.id)
    if users:
        names = ", ".join(f"agent {agent.name!r} ({agent.id})" for agent in users)
        raise Conflict(
            "mcp_server_in_use",
            f"MCP server {server.config['name']!r} is still used by {names}. "
            "Remove it from their mcp_server_ids first.",
        )
    await mcp_store.delete_mcp_server(session, server)
    await session.commit()


async def list_server_tools(
    session: AsyncSession, box: SecretBox, guard: OutboundGuard, workspace_id: str, server_id: str
) -> ListMCPToolsResponse:
    """Ask the live server for its tools, and how each stands against its approval."""
    server = await _require(session, workspace_id, server_id)
    try:
        from openconvai.tools import mcp as mcp_runtime
    except ImportError:
        return ListMCPToolsResponse(success=False, tools=[], error_message=_NOT_INSTALLED)
    spec = server_spec(server)
    listing = await mcp_runtime.list_server_tools(
        spec, guard=guard, secret=secret_reader(session, box, workspace_id)
    )
    if listing.error is not None:
        return ListMCPToolsResponse(
            success=False,
            tools=[],
            error_message=f"The tools of MCP server {spec.name!r} could not be listed: "
            f"{listing.error}",
        )
    statuses: list[MCPToolApprovalStatus] = []
    if spec.approval_policy == "require_approval_per_tool":
        for tool in listing.tools:
            approval = spec.tool_approvals.get(tool.name)
            state = approval_state(approval, tool.hash)
            snapshot = server.approved_definitions.get(tool.name)
            statuses.append(
                MCPToolApprovalStatus(
                    tool_id=f"mcp:{server.id}:{tool.name}",
                    state=state,
                    approval_policy=approval.policy if approval else None,
                    approved_definition=MCPApprovedToolDefinition.model_validate(snapshot)
                    if state == "needs_review" and snapshot
                    else None,
                )
            )
    return ListMCPToolsResponse(
        success=True,
        tools=[MCPTool.model_validate(tool.definition) for tool in listing.tools],
        tool_approval_statuses=statuses,
    )


def secret_reader(
    session: AsyncSession, box: SecretBox, workspace_id: str
) -> Callable[[str], Awaitable[str]]:
    """Reads the workspace's secrets by id (LookupError for one it lacks)."""

    async def read(secret_id: str) -> str:
        secret = await secret_store.get_secret(session, workspace_id, secret_id)
        if secret is None:
            raise LookupError(f"secret {secret_id} does not exist")
        return box.decrypt(secret.ciphertext)

    return read


def mcp_server_response(server: McpServer, users: Sequence[Agent]) -> MCPServerResponse:
    """The public view of a stored server."""
    return MCPServerResponse.model_validate(
        {
            "id": server.id,
            "config": server.config,
            "access_info": _ACCESS,
            "dependent_agents": [
                DependentAvailableAgentIdentifier(
                    id=agent.id,
                    name=agent.name,
                    created_at_unix_secs=agent.created_at_ms // 1000,
                    access_level="admin",
                )
                for agent in users
            ],
            "metadata": {"created_at": server.created_at_ms // 1000},
        }
    )


async def _check(
    session: AsyncSession,
    box: SecretBox,
    guard: OutboundGuard,
    workspace_id: str,
    config: dict[str, Any],
    *,
    url_changed: bool,
) -> None:
    """Refuse (400) unknown secrets, in-place secrets and URLs the guard refuses."""
    token = config.get("secret_token")
    if isinstance(token, dict) and "secret_id" not in token:
        raise BadRequest(
            "in_place_secret_not_supported",
            'secret_token must name a workspace secret ({"secret_id": ...}); secrets '
            "encrypted elsewhere cannot be read here. Store the token with "
            "POST /v1/convai/secrets first.",
        )
    await require_existing_secrets(session, workspace_id, config)
    if not url_changed:
        return
    url = config["url"]
    where = None
    if isinstance(url, dict):
        secret = await secret_store.get_secret(session, workspace_id, url["secret_id"])
        assert secret is not None  # checked just above
        url, where = box.decrypt(secret.ciphertext), f"in secret {secret.id}"
    try:
        await guard.check_url(url)
    except (OutboundUrlRefused, OutboundUnresolvable) as error:
        # A URL kept in a secret is not shown, only why it is refused.
        shown = f"{where} ({error.reason})" if where else str(error)
        code = (
            "mcp_server_url_refused"
            if isinstance(error, OutboundUrlRefused)
            else "mcp_server_url_unresolvable"
        )
        raise BadRequest(code, f"The MCP server URL cannot be used: {shown}") from None


async def _save(
    session: AsyncSession, server: McpServer, config: dict[str, Any]
) -> MCPServerResponse:
    server.config = config
    server.updated_at_ms = now_ms()
    await session.commit()
    return await _respond(session, server)


async def _respond(session: AsyncSession, server: McpServer) -> MCPServerResponse:
    users = await mcp_store.agents_using(session, server.workspace_id, [server.id])
    return mcp_server_response(server, users.get(server.id, []))


def _approvals(server: McpServer) -> list[dict[str, Any]]:
    return list(server.config.get("tool_approval_hashes") or [])


async def _require(session: AsyncSession, workspace_id: str, server_id: str) -> McpServer:
    server = await mcp_store.get_mcp_server(session, workspace_id, server_id)
    if server is None:
        raise NotFound("mcp_server_not_found", f"MCP server {server_id} was not found.")
    return server
