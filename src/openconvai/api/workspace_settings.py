"""Workspace settings API: `/v1/convai/settings` and `/v1/convai/settings/dashboard`."""

from fastapi import APIRouter

from openconvai.api.deps import Session, WorkspaceId
from openconvai.api.errors import ERROR_RESPONSES
from openconvai.schemas.workspace_settings import (
    ConvAISettings,
    DashboardSettings,
    PatchConvAIDashboardSettingsRequest,
    PatchConvAISettingsRequest,
)
from openconvai.services import workspace_settings

router = APIRouter(responses=ERROR_RESPONSES, tags=["settings"])


@router.get("/v1/convai/settings")
async def get_settings(session: Session, workspace_id: WorkspaceId) -> ConvAISettings:
    """The workspace's ConvAI settings."""
    return await workspace_settings.get_settings(session, workspace_id)


@router.patch("/v1/convai/settings")
async def update_settings(
    body: PatchConvAISettingsRequest, session: Session, workspace_id: WorkspaceId
) -> ConvAISettings:
    """Change the settings sent; the rest stay as they were."""
    return await workspace_settings.update_settings(session, workspace_id, body)


@router.get("/v1/convai/settings/dashboard")
async def get_dashboard(session: Session, workspace_id: WorkspaceId) -> DashboardSettings:
    """The workspace's dashboard settings."""
    return await workspace_settings.get_dashboard(session, workspace_id)


@router.patch("/v1/convai/settings/dashboard")
async def update_dashboard(
    body: PatchConvAIDashboardSettingsRequest, session: Session, workspace_id: WorkspaceId
) -> DashboardSettings:
    """Change the dashboard settings sent."""
    return await workspace_settings.update_dashboard(session, workspace_id, body)
