"""Workspace-wide ConvAI settings (`/v1/convai/settings`) and dashboard settings
(`/v1/convai/settings/dashboard`).

The PATCH bodies carry the same fields and OA defaults as the GET responses; a router
applies only the fields the client sent (`model_fields_set` / `exclude_unset`).
"""

from typing import Annotated, Literal

from pydantic import Field

from openconvai.schemas.base import ContractModel
from openconvai.schemas.platform_settings import (
    ConvAIWebhooks,
    ConversationInitiationClientDataWebhook,
)


class ConvAISettings(ContractModel):
    """Workspace ConvAI settings (OA `GetConvAISettingsResponseModel`)."""

    conversation_initiation_client_data_webhook: ConversationInitiationClientDataWebhook | None = (
        None
    )
    webhooks: ConvAIWebhooks = Field(default_factory=ConvAIWebhooks)
    can_use_mcp_servers: bool = Field(
        default=False, description="Whether the workspace can use MCP servers."
    )
    rag_retention_period_days: int = Field(default=10, gt=0, le=30)
    # An openconvai setting (not in the ElevenLabs contract): ElevenLabs caps by plan.
    max_concurrent_conversations: int = Field(
        default=-1,
        ge=-1,
        description="Most conversations the workspace may hold at once, across every server "
        "sharing its Redis; -1 is no limit.",
    )


class PatchConvAISettingsRequest(ConvAISettings):
    """Body of `PATCH /v1/convai/settings` (OA `PatchConvAISettingsRequest`)."""


class DashboardCallSuccessChart(ContractModel):
    """A chart of call success over time."""

    name: str
    type: Literal["call_success"]


class DashboardCriteriaChart(ContractModel):
    """A chart of one evaluation criterion's results."""

    name: str
    type: Literal["criteria"]
    criteria_id: str


class DashboardDataCollectionChart(ContractModel):
    """A chart of one data-collection item's values."""

    name: str
    type: Literal["data_collection"]
    data_collection_id: str


DashboardChart = Annotated[
    DashboardCallSuccessChart | DashboardCriteriaChart | DashboardDataCollectionChart,
    Field(discriminator="type"),
]


class DashboardSettings(ContractModel):
    """Dashboard settings (OA `GetConvAIDashboardSettingsResponseModel`)."""

    charts: list[DashboardChart] = Field(default_factory=list, max_length=4)


class PatchConvAIDashboardSettingsRequest(DashboardSettings):
    """Body of `PATCH /v1/convai/settings/dashboard` (OA `PatchConvAIDashboardSettingsRequest`)."""


__all__ = [
    "ConvAISettings",
    "DashboardCallSuccessChart",
    "DashboardChart",
    "DashboardCriteriaChart",
    "DashboardDataCollectionChart",
    "DashboardSettings",
    "PatchConvAIDashboardSettingsRequest",
    "PatchConvAISettingsRequest",
]
