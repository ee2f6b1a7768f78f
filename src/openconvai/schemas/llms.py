"""The LLMs agents may use (`GET /v1/convai/llm/list`; SDK 2.78, not in the OA snapshot)."""

from datetime import datetime
from typing import Literal, TypeAlias

from pydantic import Field

from openconvai.schemas.base import ContractModel
from openconvai.schemas.conversation_config import LLM

LlmReasoningEffort: TypeAlias = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
LlmServiceTier: TypeAlias = Literal["standard", "fast"]


class LlmDeprecationConfig(ContractModel):
    """When warnings start and traffic moves to a replacement, before a model is retired."""

    warning_start_days: int
    fallback_start_days: int
    fallback_complete_days: int
    fallback_start_percentage: int
    fallback_complete_percentage: int


class LlmDeprecationInfo(ContractModel):
    """Where a deprecated model stands on its way out."""

    llm: LLM
    is_deprecated: bool
    is_in_warning_period: bool | None = None
    is_in_fallback_period: bool | None = None
    fallback_percentage: int | None = None
    provider_deprecation_date: datetime | None = None
    replacement_model: LLM | None = None
    deprecation_config: LlmDeprecationConfig | None = None


class LlmInfo(ContractModel):
    """One model and what it can do (SDK `LlmInfoModel`)."""

    llm: LLM = Field(description="The model identifier.")
    is_checkpoint: bool = Field(description="A pinned snapshot rather than a top-level alias.")
    max_tokens_limit: int = Field(description="Most output tokens the model can generate.")
    max_context_limit: int = Field(description="Most input context tokens the model takes.")
    supports_image_input: bool
    supports_document_input: bool
    supports_parallel_tool_calls: bool
    available_reasoning_efforts: list[LlmReasoningEffort] | None = None
    available_service_tiers: list[LlmServiceTier]
    deprecation_info: LlmDeprecationInfo | None = None


class LlmListResponse(ContractModel):
    """Body of `GET /v1/convai/llm/list` (SDK `LlmListResponseModel`)."""

    llms: list[LlmInfo]
    default_deprecation_config: LlmDeprecationConfig


__all__ = [
    "LlmDeprecationConfig",
    "LlmDeprecationInfo",
    "LlmInfo",
    "LlmListResponse",
    "LlmReasoningEffort",
    "LlmServiceTier",
]
