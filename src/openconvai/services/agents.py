"""Agents: creation with every default filled in, deep-merge updates, listing, duplication."""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.clock import now_ms
from openconvai.schemas.agents import (
    AgentCreateRequest,
    AgentMetadata,
    AgentSummary,
    AgentUpdateRequest,
    ConversationToken,
    GetAgentLinkResponse,
    GetAgentResponse,
    GetAgentsPageResponse,
    KnowledgeBaseSize,
    ResourceAccessInfo,
)
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.schemas.platform_settings import AgentPlatformSettings
from openconvai.security.ids import new_id
from openconvai.services.agent_mcp_servers import require_existing_mcp_servers
from openconvai.services.agent_tools import require_existing_tools
from openconvai.services.deep_merge import deep_merge
from openconvai.services.documents import normalised
from openconvai.services.errors import NotFound
from openconvai.services.pagination import decode_cursor
from openconvai.services.secret_usage import require_existing_secrets
from openconvai.store import agents as agent_store
from openconvai.store.keyset import Direction
from openconvai.store.models import Agent

DEFAULT_AGENT_NAME = "New agent"

# Checks a complete conversation config can run here (keys for its models): raises if not.
ConfigCheck = Callable[[AsyncSession, str, ConversationalConfig], Awaitable[None]]

# Every caller of a workspace acts as its admin: workspaces have no finer roles yet.
_ACCESS = ResourceAccessInfo(is_creator=True, creator_name="", creator_email="", role="admin")


async def create_agent(
    session: AsyncSession,
    workspace_id: str,
    body: AgentCreateRequest,
    check: ConfigCheck | None = None,
) -> str:
    """Store a new agent, its configuration completed with defaults; returns its id."""
    conversation_config = body.conversation_config.model_dump(mode="json")
    platform_settings = normalised(
        AgentPlatformSettings,
        body.platform_settings.model_dump(mode="json") if body.platform_settings else {},
        ("body", "platform_settings"),
    )
    await require_existing_secrets(session, workspace_id, conversation_config, platform_settings)
    await require_existing_tools(session, workspace_id, conversation_config)
    await require_existing_mcp_servers(session, workspace_id, conversation_config)
    if check is not None:
        await check(session, workspace_id, body.conversation_config)
    now = now_ms()
    agent = Agent(
        id=new_id("agent"),
        workspace_id=workspace_id,
        name=body.name if body.name is not None else DEFAULT_AGENT_NAME,
        tags=list(dict.fromkeys(body.tags or [])),
        conversation_config=conversation_config,
        platform_settings=platform_settings,
        workflow=body.workflow,
        archived=bool(platform_settings.get("archived", False)),
        created_at_ms=now,
        updated_at_ms=now,
    )
    await agent_store.add_agent(session, agent)
    await session.commit()
    return agent.id


async def get_agent(session: AsyncSession, workspace_id: str, agent_id: str) -> GetAgentResponse:
    """The agent with its full configuration; `NotFound` outside the caller's workspace."""
    return agent_response(await _require(session, workspace_id, agent_id))


async def update_agent(
    session: AsyncSession,
    workspace_id: str,
    agent_id: str,
    body: AgentUpdateRequest,
    check: ConfigCheck | None = None,
) -> GetAgentResponse:
    """Apply a PATCH: only the fields the client sent change; objects merge deeply."""
    agent = await _require(session, workspace_id, agent_id)
    sent = body.model_dump(mode="json", exclude_unset=True)
    if sent.get("conversation_config") is not None:
        agent.conversation_config = normalised(
            ConversationalConfig,
            deep_merge(agent.conversation_config, sent["conversation_config"]),
            ("body", "conversation_config"),
        )
    if sent.get("platform_settings") is not None:
        agent.platform_settings = normalised(
            AgentPlatformSettings,
            deep_merge(agent.platform_settings, sent["platform_settings"]),
            ("body", "platform_settings"),
        )
        agent.archived = bool(agent.platform_settings.get("archived", False))
    if "workflow" in sent:
        agent.workflow = sent["workflow"]
    if sent.get("name") is not None:
        agent.name = sent["name"]
    tags_changed = sent.get("tags") is not None
    if tags_changed:
        agent.tags = list(dict.fromkeys(sent["tags"]))
    await require_existing_secrets(
        session, workspace_id, agent.conversation_config, agent.platform_settings
    )
    if sent.get("conversation_config") is not None:
        await require_existing_tools(session, workspace_id, agent.conversation_config)
        await require_existing_mcp_servers(session, workspace_id, agent.conversation_config)
        if check is not None:
            effective = ConversationalConfig.model_validate(agent.conversation_config)
            await check(session, workspace_id, effective)
    agent.updated_at_ms = now_ms()
    await agent_store.save_agent(session, agent, tags_changed)
    await session.commit()
    return agent_response(agent)


async def delete_agent(session: AsyncSession, workspace_id: str, agent_id: str) -> None:
    """Delete an agent; `NotFound` outside the caller's workspace."""
    agent = await _require(session, workspace_id, agent_id)
    await agent_store.delete_agent(session, agent)
    await session.commit()


async def duplicate_agent(
    session: AsyncSession, workspace_id: str, agent_id: str, name: str | None
) -> str:
    """A copy of an agent under a new id (and the given name); returns the new id."""
    source = await _require(session, workspace_id, agent_id)
    now = now_ms()
    copy = Agent(
        id=new_id("agent"),
        workspace_id=workspace_id,
        name=name if name is not None else f"{source.name} (copy)",
        tags=list(source.tags),
        conversation_config=source.conversation_config,
        platform_settings=source.platform_settings,
        workflow=source.workflow,
        archived=source.archived,
        created_at_ms=now,
        updated_at_ms=now,
    )
    await agent_store.add_agent(session, copy)
    await session.commit()
    return copy.id


async def list_agents(
    session: AsyncSession,
    workspace_id: str,
    *,
    page_size: int,
    cursor: str | None,
    search: str | None,
    tags: list[str],
    archived: bool | None,
    sort_by: agent_store.AgentSortKey,
    sort_direction: Direction,
) -> GetAgentsPageResponse:
    """One page of the workspace's agents and the cursor of the next."""
    decoded = decode_cursor(cursor, str if sort_by == "name" else int)
    query = agent_store.AgentQuery(
        page_size=page_size,
        cursor=decoded,
        search=search,
        tags=tags,
        archived=bool(archived),
        sort_by=sort_by,
        direction=sort_direction,
    )
    rows, next_cursor = await agent_store.list_agents(session, workspace_id, query)
    return GetAgentsPageResponse(
        agents=[_summary(agent) for agent in rows],
        next_cursor=next_cursor.encode() if next_cursor else None,
        has_more=next_cursor is not None,
    )


async def agent_link(
    session: AsyncSession, workspace_id: str, agent_id: str
) -> GetAgentLinkResponse:
    """The agent's shareable link data: its shareable token, if it has one."""
    agent = await _require(session, workspace_id, agent_id)
    shareable = (agent.platform_settings.get("auth") or {}).get("shareable_token")
    token = (
        ConversationToken(agent_id=agent.id, conversation_token=shareable, purpose="shareable_link")
        if shareable
        else None
    )
    return GetAgentLinkResponse(agent_id=agent.id, token=token)


async def knowledge_base_size(
    session: AsyncSession, workspace_id: str, agent_id: str
) -> KnowledgeBaseSize:
    """Pages in the agent's knowledge base (documents are counted once the KB stores them)."""
    agent = await _require(session, workspace_id, agent_id)
    documents = agent.conversation_config["agent"]["prompt"].get("knowledge_base") or []
    # Each attached document counts for at least one page until page counts are measured.
    return KnowledgeBaseSize(number_of_pages=float(len(documents)))


def agent_response(agent: Agent) -> GetAgentResponse:
    """The public view of a stored agent."""
    return GetAgentResponse.model_validate(
        {
            "agent_id": agent.id,
            "name": agent.name,
            "conversation_config": agent.conversation_config,
            "metadata": AgentMetadata(
                created_at_unix_secs=agent.created_at_ms // 1000,
                updated_at_unix_secs=agent.updated_at_ms // 1000,
            ),
            "platform_settings": agent.platform_settings,
            "workflow": agent.workflow,
            "access_info": _ACCESS,
            "tags": agent.tags,
        }
    )


def _summary(agent: Agent) -> AgentSummary:
    tts: dict[str, Any] = agent.conversation_config.get("tts") or {}
    return AgentSummary(
        agent_id=agent.id,
        name=agent.name,
        tags=agent.tags,
        created_at_unix_secs=agent.created_at_ms // 1000,
        updated_at_unix_secs=agent.updated_at_ms // 1000,
        access_info=_ACCESS,
        last_call_time_unix_secs=agent.last_call_time_unix_secs,
        archived=agent.archived,
        voice_id=tts.get("voice_id"),
    )


async def _require(session: AsyncSession, workspace_id: str, agent_id: str) -> Agent:
    agent = await agent_store.get_agent(session, workspace_id, agent_id)
    if agent is None:
        raise NotFound("agent_not_found", f"Agent {agent_id} was not found.")
    return agent
