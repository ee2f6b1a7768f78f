"""Queries on agents, always scoped to one workspace."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.store.keyset import Cursor, Direction, after, fetch_page
from openconvai.store.mcp_servers import delete_agent_mcp_server_refs, write_agent_mcp_server_refs
from openconvai.store.models import Agent, AgentTag
from openconvai.store.tools import delete_agent_tool_refs, write_agent_tool_refs

AgentSortKey = Literal["name", "created_at", "updated_at"]

_SORT_COLUMNS = {
    "name": Agent.name,
    "created_at": Agent.created_at_ms,
    "updated_at": Agent.updated_at_ms,
}


@dataclass(frozen=True)
class AgentQuery:
    """Filters and order of an agent listing."""

    page_size: int = 30
    cursor: Cursor | None = None
    search: str | None = None
    tags: Sequence[str] = ()
    archived: bool = False
    sort_by: AgentSortKey = "created_at"
    direction: Direction = "desc"


async def add_agent(session: AsyncSession, agent: Agent) -> None:
    """Insert an agent with its tag, tool and MCP server rows (not committed)."""
    session.add(agent)
    await session.flush()
    await _write_tags(session, agent)
    await write_agent_tool_refs(session, agent)
    await write_agent_mcp_server_refs(session, agent)


async def get_agent(session: AsyncSession, workspace_id: str, agent_id: str) -> Agent | None:
    """The agent, if it exists in this workspace."""
    query = select(Agent).where(Agent.id == agent_id, Agent.workspace_id == workspace_id)
    return await session.scalar(query)


async def find_agent(session: AsyncSession, agent_id: str) -> Agent | None:
    """The agent with this id in any workspace: a public conversation carries no API key."""
    return await session.get(Agent, agent_id)


async def save_agent(session: AsyncSession, agent: Agent, tags_changed: bool) -> None:
    """Flush changes to an agent, rewriting its tag rows if they changed (not committed).

    Its tool and MCP server rows are rewritten every time: they follow the document's
    `tool_ids` and `mcp_server_ids`.
    """
    await session.flush()
    if tags_changed:
        await session.execute(delete(AgentTag).where(AgentTag.agent_id == agent.id))
        await _write_tags(session, agent)
    await write_agent_tool_refs(session, agent)
    await write_agent_mcp_server_refs(session, agent)


async def delete_agent(session: AsyncSession, agent: Agent) -> None:
    """Remove an agent, its tags and its tool and MCP server rows (not committed)."""
    await session.execute(delete(AgentTag).where(AgentTag.agent_id == agent.id))
    await delete_agent_tool_refs(session, agent)
    await delete_agent_mcp_server_refs(session, agent)
    await session.delete(agent)
    await session.flush()


async def list_agents(
    session: AsyncSession, workspace_id: str, query: AgentQuery
) -> tuple[list[Agent], Cursor | None]:
    """One page of agents and the cursor of the next page (None on the last one)."""
    key_column = _SORT_COLUMNS[query.sort_by]
    stmt = select(Agent).where(Agent.workspace_id == workspace_id)
    stmt = stmt.where(Agent.archived.is_(query.archived))
    if query.search:
        stmt = stmt.where(func.lower(Agent.name).contains(query.search.lower(), autoescape=True))
    if query.tags:
        tagged = select(AgentTag.agent_id).where(
            AgentTag.workspace_id == workspace_id, AgentTag.tag.in_(list(query.tags))
        )
        stmt = stmt.where(Agent.id.in_(tagged))
    if query.cursor is not None:
        stmt = stmt.where(after(key_column, Agent.id, query.cursor, query.direction))
    if query.direction == "asc":
        stmt = stmt.order_by(key_column.asc(), Agent.id.asc())
    else:
        stmt = stmt.order_by(key_column.desc(), Agent.id.desc())
    return await fetch_page(session, stmt, query.page_size, key_column)


async def iter_agent_documents(session: AsyncSession, workspace_id: str) -> Sequence[Agent]:
    """Every agent of the workspace (for dependency scans such as secret usage)."""
    return (await session.scalars(select(Agent).where(Agent.workspace_id == workspace_id))).all()


async def _write_tags(session: AsyncSession, agent: Agent) -> None:
    for tag in dict.fromkeys(agent.tags):
        session.add(AgentTag(agent_id=agent.id, tag=tag, workspace_id=agent.workspace_id))
    await session.flush()
