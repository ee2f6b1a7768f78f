"""MCP servers API: `/v1/convai/mcp-servers...`."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from openconvai.api.deps import Outbound, Secrets, Session, WorkspaceId
from openconvai.api.errors import ERROR_RESPONSES
from openconvai.schemas.mcp_servers import (
    ListMCPToolsResponse,
    MCPApprovalPolicyUpdateRequest,
    MCPServerConfigUpdateRequest,
    MCPServerRequest,
    MCPServerResponse,
    MCPServersResponse,
    MCPToolAddApprovalRequest,
)
from openconvai.services import mcp_servers

router = APIRouter(responses=ERROR_RESPONSES, tags=["mcp-servers"])

_PREFIX = "/v1/convai/mcp-servers"


@router.get(_PREFIX)
async def list_mcp_servers(session: Session, workspace_id: WorkspaceId) -> MCPServersResponse:
    """List the workspace's MCP servers."""
    return await mcp_servers.list_mcp_servers(session, workspace_id)


@router.post(_PREFIX)
async def create_mcp_server(
    body: MCPServerRequest,
    session: Session,
    workspace_id: WorkspaceId,
    box: Secrets,
    guard: Outbound,
) -> MCPServerResponse:
    """Add an MCP server to the workspace."""
    return await mcp_servers.create_mcp_server(session, box, guard, workspace_id, body)


@router.get(_PREFIX + "/{mcp_server_id}")
async def get_mcp_server(
    mcp_server_id: str, session: Session, workspace_id: WorkspaceId
) -> MCPServerResponse:
    """Retrieve an MCP server."""
    return await mcp_servers.get_mcp_server(session, workspace_id, mcp_server_id)


@router.patch(_PREFIX + "/{mcp_server_id}")
async def update_mcp_server(
    mcp_server_id: str,
    body: MCPServerConfigUpdateRequest,
    session: Session,
    workspace_id: WorkspaceId,
    box: Secrets,
    guard: Outbound,
) -> MCPServerResponse:
    """Change some of an MCP server's settings."""
    return await mcp_servers.update_mcp_server(
        session, box, guard, workspace_id, mcp_server_id, body
    )


@router.delete(_PREFIX + "/{mcp_server_id}")
async def delete_mcp_server(
    mcp_server_id: str, session: Session, workspace_id: WorkspaceId
) -> dict[str, Any]:
    """Delete an MCP server that no agent uses."""
    await mcp_servers.delete_mcp_server(session, workspace_id, mcp_server_id)
    return {}


@router.patch(_PREFIX + "/{mcp_server_id}/approval-policy")
async def update_approval_policy(
    mcp_server_id: str,
    body: MCPApprovalPolicyUpdateRequest,
    session: Session,
    workspace_id: WorkspaceId,
) -> MCPServerResponse:
    """Set an MCP server's approval policy (deprecated: PATCH the server instead)."""
    return await mcp_servers.update_approval_policy(session, workspace_id, mcp_server_id, body)


@router.post(_PREFIX + "/{mcp_server_id}/tool-approvals")
async def add_tool_approval(
    mcp_server_id: str,
    body: MCPToolAddApprovalRequest,
    session: Session,
    workspace_id: WorkspaceId,
) -> MCPServerResponse:
    """Approve one tool of the server, as it is defined now."""
    return await mcp_servers.add_tool_approval(session, workspace_id, mcp_server_id, body)


@router.delete(_PREFIX + "/{mcp_server_id}/tool-approvals/{tool_name}")
async def remove_tool_approval(
    mcp_server_id: str, tool_name: str, session: Session, workspace_id: WorkspaceId
) -> MCPServerResponse:
    """Withdraw the approval of one tool."""
    return await mcp_servers.remove_tool_approval(session, workspace_id, mcp_server_id, tool_name)


@router.get(_PREFIX + "/{mcp_server_id}/tools")
async def list_mcp_server_tools(
    mcp_server_id: str,
    session: Session,
    workspace_id: WorkspaceId,
    box: Secrets,
    guard: Outbound,
    environment: Annotated[str | None, Query(description="Accepted; ignored.")] = None,
) -> ListMCPToolsResponse:
    """Connect to the server and list the tools it offers now."""
    return await mcp_servers.list_server_tools(session, box, guard, workspace_id, mcp_server_id)
