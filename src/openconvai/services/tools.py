"""Workspace tools: stored with every default filled in, listed, and kept while agents use them."""

import copy
from collections.abc import Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.clock import now_ms
from openconvai.schemas.agents import ResourceAccessInfo
from openconvai.schemas.secrets import DependentAvailableAgentIdentifier
from openconvai.schemas.tool_config import TOOL_CONFIG_ADAPTER, WebhookToolConfig
from openconvai.schemas.tools import (
    GetToolDependentAgentsResponse,
    ToolRequest,
    ToolResponse,
    ToolsResponse,
    ToolUsageStats,
)
from openconvai.security.ids import new_id
from openconvai.security.outbound import OutboundGuard
from openconvai.services.errors import Conflict, NotFound
from openconvai.services.pagination import decode_cursor
from openconvai.services.secret_usage import require_existing_secrets
from openconvai.services.url_checks import require_allowed_url
from openconvai.store import agents as agent_store
from openconvai.store import tools as tool_store
from openconvai.store.keyset import Direction
from openconvai.store.models import Agent, Tool

# Every caller of a workspace acts as its admin: workspaces have no finer roles yet.
_ACCESS = ResourceAccessInfo(is_creator=True, creator_name="", creator_email="", role="admin")
# Calls are not counted yet: the conversation runtime records no tool executions.
_USAGE = ToolUsageStats(total_calls=0, avg_latency_secs=0.0)


async def create_tool(
    session: AsyncSession, workspace_id: str, body: ToolRequest, guard: OutboundGuard
) -> ToolResponse:
    """Store a new tool, its config completed with defaults."""
    config = _stored_config(body, guard)
    await require_existing_secrets(session, workspace_id, config)
    now = now_ms()
    tool = Tool(
        id=new_id("tool"),
        workspace_id=workspace_id,
        name=config["name"],
        type=config["type"],
        tool_config=config,
        response_mocks=_stored_mocks(body),
        created_at_ms=now,
        updated_at_ms=now,
    )
    await tool_store.add_tool(session, tool)
    await session.commit()
    return tool_response(tool)


async def get_tool(session: AsyncSession, workspace_id: str, tool_id: str) -> ToolResponse:
    """The tool; `NotFound` outside the caller's workspace."""
    return tool_response(await _require(session, workspace_id, tool_id))


async def update_tool(
    session: AsyncSession,
    workspace_id: str,
    tool_id: str,
    body: ToolRequest,
    guard: OutboundGuard,
) -> ToolResponse:
    """Replace a tool's config with the one sent (agents using it keep its id)."""
    tool = await _require(session, workspace_id, tool_id)
    config = _stored_config(body, guard)
    await require_existing_secrets(session, workspace_id, config)
    tool.tool_config = config
    tool.response_mocks = _stored_mocks(body)
    tool.name = config["name"]
    tool.type = config["type"]
    tool.updated_at_ms = now_ms()
    await session.commit()
    return tool_response(tool)


async def delete_tool(
    session: AsyncSession, workspace_id: str, tool_id: str, *, force: bool = False
) -> None:
    """Delete a tool; while agents name it, refuse (409), or with `force` take it off them."""
    tool = await _require(session, workspace_id, tool_id)
    users = await tool_store.agents_using_tool(session, workspace_id, tool.id)
    if users and not force:
        names = ", ".join(f"agent {agent.name!r} ({agent.id})" for agent in users)
        raise Conflict(
            "tool_in_use",
            f"Tool {tool.name!r} is still used by {names}. Remove it from their tool_ids "
            "first, or delete it with force=true to remove it from them.",
        )
    for agent in users:
        await _detach(session, agent, tool.id)
    await tool_store.delete_tool(session, tool)
    await session.commit()


async def list_tools(
    session: AsyncSession,
    workspace_id: str,
    *,
    page_size: int,
    cursor: str | None,
    search: str | None,
    types: Collection[str],
    used_by_agent_id: str | None,
    sort_by: tool_store.ToolSortKey,
    sort_direction: Direction,
) -> ToolsResponse:
    """One page of the workspace's tools and the cursor of the next."""
    query = tool_store.ToolQuery(
        page_size=page_size,
        cursor=decode_cursor(cursor, str if sort_by == "name" else int),
        search=search,
        types=types,
        used_by_agent_id=used_by_agent_id,
        sort_by=sort_by,
        direction=sort_direction,
    )
    rows, next_cursor = await tool_store.list_tools(session, workspace_id, query)
    return ToolsResponse(
        tools=[tool_response(row) for row in rows],
        next_cursor=next_cursor.encode() if next_cursor else None,
        has_more=next_cursor is not None,
    )


async def dependent_agents(
    session: AsyncSession, workspace_id: str, tool_id: str, *, page_size: int, cursor: str | None
) -> GetToolDependentAgentsResponse:
    """One page of the agents whose `tool_ids` name the tool, newest first."""
    tool = await _require(session, workspace_id, tool_id)
    rows, next_cursor = await tool_store.agents_using_tool_page(
        session, workspace_id, tool.id, page_size, decode_cursor(cursor, int)
    )
    return GetToolDependentAgentsResponse(
        agents=[
            DependentAvailableAgentIdentifier(
                id=agent.id,
                name=agent.name,
                created_at_unix_secs=agent.created_at_ms // 1000,
                access_level="admin",
            )
            for agent in rows
        ],
        next_cursor=next_cursor.encode() if next_cursor else None,
        has_more=next_cursor is not None,
    )


def tool_response(tool: Tool) -> ToolResponse:
    """The public view of a stored tool."""
    return ToolResponse.model_validate(
        {
            "id": tool.id,
            "tool_config": tool.tool_config,
            "access_info": _ACCESS,
            "usage_stats": _USAGE,
            "response_mocks": tool.response_mocks,
        }
    )


def _stored_config(body: ToolRequest, guard: OutboundGuard) -> dict[str, Any]:
    if isinstance(body.tool_config, WebhookToolConfig):
        require_allowed_url(guard, body.tool_config.api_schema.url, "tool_config.api_schema.url")
    config: dict[str, Any] = TOOL_CONFIG_ADAPTER.dump_python(body.tool_config, mode="json")
    return config


def _stored_mocks(body: ToolRequest) -> list[Any] | None:
    if body.response_mocks is None:
        return None
    return [mock.model_dump(mode="json") for mock in body.response_mocks]


async def _detach(session: AsyncSession, agent: Agent, tool_id: str) -> None:
    config = copy.deepcopy(agent.conversation_config)
    prompt = config["agent"]["prompt"]
    prompt["tool_ids"] = [other for other in prompt.get("tool_ids") or [] if other != tool_id]
    agent.conversation_config = config
    agent.updated_at_ms = now_ms()
    await agent_store.save_agent(session, agent, tags_changed=False)


async def _require(session: AsyncSession, workspace_id: str, tool_id: str) -> Tool:
    tool = await tool_store.get_tool(session, workspace_id, tool_id)
    if tool is None:
        raise NotFound("tool_not_found", f"Tool {tool_id} was not found.")
    return tool
