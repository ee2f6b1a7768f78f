"""Queries on MCP servers and on which agents use them, always scoped to one workspace."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.store.models import Agent, AgentMcpServer, McpServer


def prompt_mcp_server_ids(conversation_config: dict[str, Any]) -> list[str]:
    """The distinct ids in `agent.prompt.mcp_server_ids` of a conversation config, in order."""
    prompt = (conversation_config.get("agent") or {}).get("prompt") or {}
    ids = prompt.get("mcp_server_ids") or []
    return list(dict.fromkeys(server_id for server_id in ids if isinstance(server_id, str)))


async def add_mcp_server(session: AsyncSession, server: McpServer) -> None:
    """Insert a server (not committed)."""
    session.add(server)
    await session.flush()


async def get_mcp_server(
    session: AsyncSession, workspace_id: str, server_id: str
) -> McpServer | None:
    """The server, if it exists in this workspace."""
    query = select(McpServer).where(
        McpServer.id == server_id, McpServer.workspace_id == workspace_id
    )
    return await session.scalar(query)


async def get_mcp_servers(
    session: AsyncSession, workspace_id: str, server_ids: Collection[str]
) -> list[McpServer]:
    """Those of `server_ids` that exist in this workspace, in no particular order."""
    if not server_ids:
        return []
    query = select(McpServer).where(
        McpServer.workspace_id == workspace_id, McpServer.id.in_(sorted(server_ids))
    )
    return list((await session.scalars(query)).all())


async def existing_mcp_server_ids(
    session: AsyncSession, workspace_id: str, server_ids: Collection[str]
) -> set[str]:
    """Which of `server_ids` exist in this workspace."""
    if not server_ids:
        return set()
    query = select(McpServer.id).where(
        McpServer.workspace_id == workspace_id, McpServer.id.in_(sorted(server_ids))
    )
    return set((await session.scalars(query)).all())


async def list_mcp_servers(session: AsyncSession, workspace_id: str) -> Sequence[McpServer]:
    """Every server of the workspace, newest first (also for dependency scans)."""
    query = (
        select(McpServer)
        .where(McpServer.workspace_id == workspace_id)
        .order_by(McpServer.created_at_ms.desc(), McpServer.id.desc())
    )
    return (await session.scalars(query)).all()


async def delete_mcp_server(session: AsyncSession, server: McpServer) -> None:
    """Remove a server (not committed)."""
    await session.delete(server)
    await session.flush()


async def agents_using(
    session: AsyncSession, workspace_id: str, server_ids: Collection[str]
) -> dict[str, list[Agent]]:
    """For each of `server_ids`, the agents whose `mcp_server_ids` name it, oldest first."""
    if not server_ids:
        return {}
    stmt = (
        select(AgentMcpServer.mcp_server_id, Agent)
        .join(Agent, Agent.id == AgentMcpServer.agent_id)
        .where(
            AgentMcpServer.workspace_id == workspace_id,
            AgentMcpServer.mcp_server_id.in_(sorted(server_ids)),
        )
        .order_by(Agent.created_at_ms, Agent.id)
    )
    users: dict[str, list[Agent]] = defaultdict(list)
    for server_id, agent in await session.execute(stmt):
        users[server_id].append(agent)
    return users


async def write_agent_mcp_server_refs(session: AsyncSession, agent: Agent) -> None:
    """Make the agent's index rows match the `mcp_server_ids` of its document (not committed).

    Only ids of the workspace's servers are indexed: services refuse others, and a stale id
    in an old document (from before servers were checked) must not break saving it.
    """
    await delete_agent_mcp_server_refs(session, agent)
    wanted = prompt_mcp_server_ids(agent.conversation_config)
    existing = await existing_mcp_server_ids(session, agent.workspace_id, wanted)
    for server_id in wanted:
        if server_id in existing:
            session.add(
                AgentMcpServer(
                    agent_id=agent.id, mcp_server_id=server_id, workspace_id=agent.workspace_id
                )
            )
    await session.flush()


async def delete_agent_mcp_server_refs(session: AsyncSession, agent: Agent) -> None:
    """Remove the agent's index rows (not committed)."""
    await session.execute(delete(AgentMcpServer).where(AgentMcpServer.agent_id == agent.id))
