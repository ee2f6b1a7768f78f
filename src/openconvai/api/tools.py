"""Workspace tools API: `/v1/convai/tools...`."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from openconvai.api.deps import Outbound, Session, WorkspaceId
from openconvai.api.errors import ERROR_RESPONSES
from openconvai.schemas.tools import (
    GetToolDependentAgentsResponse,
    ToolRequest,
    ToolResponse,
    ToolSortBy,
    ToolsResponse,
    ToolTypeFilter,
)
from openconvai.services import tools

router = APIRouter(responses=ERROR_RESPONSES, tags=["tools"])


@router.post("/v1/convai/tools")
async def create_tool(
    body: ToolRequest, session: Session, workspace_id: WorkspaceId, guard: Outbound
) -> ToolResponse:
    """Add a tool to the workspace."""
    return await tools.create_tool(session, workspace_id, body, guard)


@router.get("/v1/convai/tools")
async def list_tools(
    session: Session,
    workspace_id: WorkspaceId,
    search: Annotated[str | None, Query(max_length=256, description="Name prefix.")] = None,
    page_size: Annotated[int, Query(ge=1, le=100)] = 30,
    show_only_owned_documents: Annotated[
        bool | None, Query(description="Accepted; ignored.")
    ] = None,
    created_by_user_id: Annotated[str | None, Query(description="Accepted; ignored.")] = None,
    types: Annotated[
        list[ToolTypeFilter] | None, Query(description="Repeat to match any of several types.")
    ] = None,
    sort_direction: Literal["asc", "desc"] = "desc",
    sort_by: ToolSortBy = "created_at",
    used_by_agent_id: Annotated[
        str | None, Query(max_length=256, description="Only tools this agent's tool_ids name.")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ToolsResponse:
    """List the workspace's tools, a page at a time."""
    return await tools.list_tools(
        session,
        workspace_id,
        page_size=page_size,
        cursor=cursor,
        search=search,
        types=types or [],
        used_by_agent_id=used_by_agent_id,
        sort_by=sort_by,
        sort_direction=sort_direction,
    )


@router.get("/v1/convai/tools/{tool_id}")
async def get_tool(
    tool_id: str,
    session: Session,
    workspace_id: WorkspaceId,
    environment: Annotated[str | None, Query(description="Accepted; ignored.")] = None,
) -> ToolResponse:
    """Retrieve a tool."""
    return await tools.get_tool(session, workspace_id, tool_id)


@router.patch("/v1/convai/tools/{tool_id}")
async def update_tool(
    tool_id: str, body: ToolRequest, session: Session, workspace_id: WorkspaceId, guard: Outbound
) -> ToolResponse:
    """Replace a tool's config."""
    return await tools.update_tool(session, workspace_id, tool_id, body, guard)


@router.delete("/v1/convai/tools/{tool_id}")
async def delete_tool(
    tool_id: str,
    session: Session,
    workspace_id: WorkspaceId,
    force: Annotated[
        bool | None, Query(description="Delete even if agents use it, removing it from them.")
    ] = None,
) -> dict[str, Any]:
    """Delete a tool that no agent uses (or, with force, take it off those that do)."""
    await tools.delete_tool(session, workspace_id, tool_id, force=bool(force))
    return {}


@router.get("/v1/convai/tools/{tool_id}/dependent-agents")
async def dependent_agents(
    tool_id: str,
    session: Session,
    workspace_id: WorkspaceId,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    page_size: Annotated[int, Query(ge=1, le=100)] = 30,
) -> GetToolDependentAgentsResponse:
    """List the agents that use a tool, a page at a time."""
    return await tools.dependent_agents(
        session, workspace_id, tool_id, page_size=page_size, cursor=cursor
    )
