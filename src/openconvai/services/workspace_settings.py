"""Workspace-wide ConvAI and dashboard settings: stored sparse, returned complete."""

from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.schemas.workspace_settings import ConvAISettings, DashboardSettings
from openconvai.services.deep_merge import deep_merge
from openconvai.services.documents import normalised
from openconvai.services.errors import NotFound
from openconvai.services.secret_usage import require_existing_secrets
from openconvai.store import workspaces
from openconvai.store.models import Workspace


async def get_settings(session: AsyncSession, workspace_id: str) -> ConvAISettings:
    """The workspace's ConvAI settings, every default filled in."""
    workspace = await _require(session, workspace_id)
    return ConvAISettings.model_validate(workspace.convai_settings)


async def update_settings(
    session: AsyncSession, workspace_id: str, patch: ConvAISettings
) -> ConvAISettings:
    """Apply the fields sent (objects deep-merged) and return the result."""
    workspace = await _require(session, workspace_id)
    merged = await _merge(workspace.convai_settings, patch, ConvAISettings)
    await require_existing_secrets(session, workspace_id, merged)
    await workspaces.update_workspace_settings(session, workspace, "convai_settings", merged)
    await session.commit()
    return ConvAISettings.model_validate(merged)


async def get_dashboard(session: AsyncSession, workspace_id: str) -> DashboardSettings:
    """The workspace's dashboard settings."""
    workspace = await _require(session, workspace_id)
    return DashboardSettings.model_validate(workspace.dashboard_settings)


async def update_dashboard(
    session: AsyncSession, workspace_id: str, patch: DashboardSettings
) -> DashboardSettings:
    """Apply the fields sent and return the result."""
    workspace = await _require(session, workspace_id)
    merged = await _merge(workspace.dashboard_settings, patch, DashboardSettings)
    await workspaces.update_workspace_settings(session, workspace, "dashboard_settings", merged)
    await session.commit()
    return DashboardSettings.model_validate(merged)


async def _merge(
    stored: dict[str, Any], patch: BaseModel, model: type[BaseModel]
) -> dict[str, Any]:
    sent = patch.model_dump(mode="json", exclude_unset=True)
    return normalised(model, deep_merge(stored, sent), ("body",))


async def _require(session: AsyncSession, workspace_id: str) -> Workspace:
    workspace = await workspaces.get_workspace(session, workspace_id)
    if workspace is None:
        raise NotFound("workspace_not_found", "The workspace no longer exists.")
    return workspace
