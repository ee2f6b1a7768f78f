"""Queries on workspace tools and on which agents use them, always scoped to one workspace."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.store.keyset import Cursor, Direction, after, fetch_page
from openconvai.store.models import Agent, AgentTool, Tool

ToolSortKey = Literal["name", "created_at"]

_SORT_COLUMNS = {"name": Tool.name, "created_at": Tool.created_at_ms}


@dataclass(frozen=True)
class ToolQuery:
    """Filters and order of a tool listing."""

    page_size: int = 30
    cursor: Cursor | None = None
    search: str | None = None
    types: Collection[str] = ()
    used_by_agent_id: str | None = None
    sort_by: ToolSortKey = "created_at"
    direction: Direction = "desc"


def prompt_tool_ids(conversation_config: dict[str, Any]) -> list[str]:
    """The distinct ids in `agent.prompt.tool_ids` of a conversation config, in order."""
    prompt = (conversation_config.get("agent") or {}).get("prompt") or {}
    ids = prompt.get("tool_ids") or []
    return list(dict.fromkeys(tool_id for tool_id in ids if isinstance(tool_id, str)))


async def add_tool(session: AsyncSession, tool: Tool) -> None:
    """Insert a tool (not committed)."""
    session.add(tool)
    await session.flush()


async def get_tool(session: AsyncSession, workspace_id: str, tool_id: str) -> Tool | None:
    """The tool, if it exists in this workspace."""
    query = select(Tool).where(Tool.id == tool_id, Tool.workspace_id == workspace_id)
    return await session.scalar(query)


async def get_tools(
    session: AsyncSession, workspace_id: str, tool_ids: Collection[str]
) -> list[Tool]:
    """Those of `tool_ids` that exist in this workspace, in no particular order."""
    if not tool_ids:
        return []
    query = select(Tool).where(Tool.workspace_id == workspace_id, Tool.id.in_(sorted(tool_ids)))
    return list((await session.scalars(query)).all())


async def existing_tool_ids(
    session: AsyncSession, workspace_id: str, tool_ids: Collection[str]
) -> set[str]:
    """Which of `tool_ids` exist in this workspace."""
    if not tool_ids:
        return set()
    query = select(Tool.id).where(Tool.workspace_id == workspace_id, Tool.id.in_(sorted(tool_ids)))
    return set((await session.scalars(query)).all())


async def delete_tool(session: AsyncSession, tool: Tool) -> None:
    """Remove a tool (not committed)."""
    await session.delete(tool)
    await session.flush()


async def list_tools(
    session: AsyncSession, workspace_id: str, query: ToolQuery
) -> tuple[list[Tool], Cursor | None]:
    """One page of tools and the cursor of the next page (None on the last one)."""
    key_column = _SORT_COLUMNS[query.sort_by]
    stmt = select(Tool).where(Tool.workspace_id == workspace_id)
    if query.search:
        stmt = stmt.where(func.lower(Tool.name).startswith(query.search.lower(), autoescape=True))
    if query.types:
        stmt = stmt.where(Tool.type.in_(sorted(query.types)))
    if query.used_by_agent_id is not None:
        used = select(AgentTool.tool_id).where(
            AgentTool.workspace_id == workspace_id, AgentTool.agent_id == query.used_by_agent_id
        )
        stmt = stmt.where(Tool.id.in_(used))
    if query.cursor is not None:
        stmt = stmt.where(after(key_column, Tool.id, query.cursor, query.direction))
    if query.direction == "asc":
        stmt = stmt.order_by(key_column.asc(), Tool.id.asc())
    else:
        stmt = stmt.order_by(key_column.desc(), Tool.id.desc())
    return await fetch_page(session, stmt, query.page_size, key_column)


async def iter_tool_documents(session: AsyncSession, workspace_id: str) -> Sequence[Tool]:
    """Every tool of the workspace (for dependency scans such as secret usage)."""
    return (await session.scalars(select(Tool).where(Tool.workspace_id == workspace_id))).all()


def _users_of(workspace_id: str, tool_id: str) -> Select[str]:
    return select(AgentTool.agent_id).where(
        AgentTool.workspace_id == workspace_id, AgentTool.tool_id == tool_id
    )


async def agents_using_tool(session: AsyncSession, workspace_id: str, tool_id: str) -> list[Agent]:
    """Every agent of the workspace whose `tool_ids` name the tool, oldest first."""
    stmt = (
        select(Agent)
        .where(Agent.workspace_id == workspace_id, Agent.id.in_(_users_of(workspace_id, tool_id)))
        .order_by(Agent.created_at_ms, Agent.id)
    )
    return list((await session.scalars(stmt)).all())


async def agents_using_tool_page(
    session: AsyncSession, workspace_id: str, tool_id: str, page_size: int, cursor: Cursor | None
) -> tuple[list[Agent], Cursor | None]:
    """One page of the agents using the tool, newest first, and the cursor of the next."""
    stmt = select(Agent).where(
        Agent.workspace_id == workspace_id, Agent.id.in_(_users_of(workspace_id, tool_id))
    )
    if cursor is not None:
        stmt = stmt.where(after(Agent.created_at_ms, Agent.id, cursor, "desc"))
    stmt = stmt.order_by(Agent.created_at_ms.desc(), Agent.id.desc())
    return await fetch_page(session, stmt, page_size, Agent.created_at_ms)


async def write_agent_tool_refs(session: AsyncSession, agent: Agent) -> None:
    """Make the agent's index rows match the `tool_ids` of its document (not committed).

    Only ids of the workspace's tools are indexed: services refuse others, and a stale id
    in an old document (from before tools were checked) must not break saving it.
    """
    await delete_agent_tool_refs(session, agent)
    wanted = prompt_tool_ids(agent.conversation_config)
    existing = await existing_tool_ids(session, agent.workspace_id, wanted)
    for tool_id in wanted:
        if tool_id in existing:
            session.add(
                AgentTool(agent_id=agent.id, tool_id=tool_id, workspace_id=agent.workspace_id)
            )
    await session.flush()


async def delete_agent_tool_refs(session: AsyncSession, agent: Agent) -> None:
    """Remove the agent's index rows (not committed)."""
    await session.execute(delete(AgentTool).where(AgentTool.agent_id == agent.id))
