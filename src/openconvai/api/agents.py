"""Agents API: `/v1/convai/agents...` and the agent's knowledge-base size."""

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from openconvai.api.deps import Session, WorkspaceId, get_state
from openconvai.api.errors import ERROR_RESPONSES
from openconvai.schemas.agents import (
    AgentCreateRequest,
    AgentUpdateRequest,
    CreateAgentResponse,
    DuplicateAgentRequest,
    GetAgentLinkResponse,
    GetAgentResponse,
    GetAgentsPageResponse,
    KnowledgeBaseSize,
)
from openconvai.services import agents
from openconvai.services.provider_access import require_credentials
from openconvai.state import AppState

router = APIRouter(responses=ERROR_RESPONSES, tags=["agents"])


@router.post("/v1/convai/agents/create")
async def create_agent(
    body: AgentCreateRequest,
    session: Session,
    workspace_id: WorkspaceId,
    state: Annotated[AppState, Depends(get_state)],
    enable_versioning: Annotated[bool | None, Query(description="Accepted; ignored.")] = None,
) -> CreateAgentResponse:
    """Create an agent from a config object (refused if its model needs a missing key)."""
    check = partial(require_credentials, state)
    return CreateAgentResponse(
        agent_id=await agents.create_agent(session, workspace_id, body, check)
    )


@router.get("/v1/convai/agents")
async def list_agents(
    session: Session,
    workspace_id: WorkspaceId,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    page_size: Annotated[int, Query(ge=1, le=100)] = 30,
    search: Annotated[str | None, Query(max_length=512, description="Part of the name.")] = None,
    archived: Annotated[bool | None, Query(description="List archived agents.")] = None,
    tags: Annotated[
        list[str] | None, Query(description="Repeat to match any of several tags.")
    ] = None,
    sort_by: Literal["name", "created_at", "updated_at"] = "created_at",
    sort_direction: Literal["asc", "desc"] = "desc",
    show_only_owned_agents: Annotated[bool | None, Query(description="Accepted; ignored.")] = None,
    created_by_user_id: Annotated[str | None, Query(description="Accepted; ignored.")] = None,
) -> GetAgentsPageResponse:
    """List the workspace's agents, a page at a time."""
    return await agents.list_agents(
        session,
        workspace_id,
        page_size=page_size,
        cursor=cursor,
        search=search,
        tags=tags or [],
        archived=archived,
        sort_by=sort_by,
        sort_direction=sort_direction,
    )


@router.get("/v1/convai/agents/{agent_id}")
async def get_agent(agent_id: str, session: Session, workspace_id: WorkspaceId) -> GetAgentResponse:
    """Retrieve an agent's complete configuration."""
    return await agents.get_agent(session, workspace_id, agent_id)


@router.patch("/v1/convai/agents/{agent_id}")
async def update_agent(
    agent_id: str,
    body: AgentUpdateRequest,
    session: Session,
    workspace_id: WorkspaceId,
    state: Annotated[AppState, Depends(get_state)],
) -> GetAgentResponse:
    """Change the fields sent, deep-merging objects, and leave the rest as it was."""
    check = partial(require_credentials, state)
    return await agents.update_agent(session, workspace_id, agent_id, body, check)


@router.delete("/v1/convai/agents/{agent_id}", status_code=204, response_class=Response)
async def delete_agent(
    agent_id: str,
    session: Session,
    workspace_id: WorkspaceId,
    force: Annotated[bool | None, Query(description="Accepted; ignored.")] = None,
) -> None:
    """Delete an agent."""
    await agents.delete_agent(session, workspace_id, agent_id)


@router.post("/v1/convai/agents/{agent_id}/duplicate")
async def duplicate_agent(
    agent_id: str,
    session: Session,
    workspace_id: WorkspaceId,
    body: DuplicateAgentRequest | None = None,
) -> CreateAgentResponse:
    """Copy an agent under a new id."""
    name = body.name if body else None
    return CreateAgentResponse(
        agent_id=await agents.duplicate_agent(session, workspace_id, agent_id, name)
    )


@router.get("/v1/convai/agents/{agent_id}/link")
async def agent_link(
    agent_id: str, session: Session, workspace_id: WorkspaceId
) -> GetAgentLinkResponse:
    """The agent's shareable link data."""
    return await agents.agent_link(session, workspace_id, agent_id)


@router.get("/v1/convai/agent/{agent_id}/knowledge-base/size")
async def knowledge_base_size(
    agent_id: str, session: Session, workspace_id: WorkspaceId
) -> KnowledgeBaseSize:
    """How many pages the agent's knowledge base holds."""
    return await agents.knowledge_base_size(session, workspace_id, agent_id)
