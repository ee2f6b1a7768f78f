"""Workspace tools (`/v1/convai/tools`): tool configs stored once and named by agents.

An agent lists the ids of the tools it may call in `conversation_config.agent.prompt.tool_ids`.
"""

from typing import Any, Literal, TypeAlias

from pydantic import Field

from openconvai.schemas.agents import ResourceAccessInfo
from openconvai.schemas.base import ContractModel
from openconvai.schemas.secrets import DependentAgent
from openconvai.schemas.tool_config import ToolConfig

# SDK 2.78's `ToolTypeFilter` ("webhook", "client", "api_integration_webhook") and the
# other kinds a tool config can have; no tool here is an API-integration webhook.
ToolTypeFilter: TypeAlias = Literal["webhook", "client", "system", "mcp", "api_integration_webhook"]
ToolSortBy: TypeAlias = Literal["name", "created_at"]


class ToolResponseMock(ContractModel):
    """A canned result for simulated conversations (SDK 2.78 only; stored, not used yet)."""

    parameter_conditions: list[dict[str, Any]] | None = Field(
        default=None, description="If empty, the mock always applies."
    )
    mock_result: str = Field(description="The result the LLM sees when the mock applies.")
    is_error: bool | None = None


class ToolRequest(ContractModel):
    """Body of `POST /v1/convai/tools` and `PATCH .../tools/{tool_id}` (OA `ToolRequestModel`)."""

    tool_config: ToolConfig = Field(description="Configuration for the tool")
    # SDK 2.78 only; evaluated top to bottom, the first match wins.
    response_mocks: list[ToolResponseMock] | None = None


class ToolUsageStats(ContractModel):
    """How often the tool was called and how long it took (OA `ToolUsageStatsResponseModel`)."""

    total_calls: int = Field(default=0, description="The total number of calls to the tool")
    avg_latency_secs: float


class ToolResponse(ContractModel):
    """A stored tool (OA `ToolResponseModel`)."""

    id: str
    tool_config: ToolConfig
    access_info: ResourceAccessInfo
    usage_stats: ToolUsageStats
    response_mocks: list[ToolResponseMock] | None = None


class ToolsResponse(ContractModel):
    """Body of `GET /v1/convai/tools` (OA `ToolsResponseModel`)."""

    tools: list[ToolResponse]
    # Not in the OA snapshot; SDK 2.78 pages the list with them (`has_more` is required there).
    next_cursor: str | None = None
    has_more: bool


class GetToolDependentAgentsResponse(ContractModel):
    """Body of `GET /v1/convai/tools/{tool_id}/dependent-agents`."""

    agents: list[DependentAgent]
    next_cursor: str | None = None
    has_more: bool


__all__ = [
    "GetToolDependentAgentsResponse",
    "ToolRequest",
    "ToolResponse",
    "ToolResponseMock",
    "ToolSortBy",
    "ToolTypeFilter",
    "ToolUsageStats",
    "ToolsResponse",
]
