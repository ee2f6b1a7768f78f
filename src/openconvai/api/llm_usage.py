"""LLM usage calculator: `/v1/convai/llm-usage/calculate` and its per-agent variant."""

from typing import Any

from fastapi import APIRouter

from openconvai.api.deps import Prices, Session, WorkspaceId
from openconvai.api.errors import ERROR_RESPONSES
from openconvai.schemas.llm_usage import (
    LLMUsageCalculatorPublicRequest,
    LLMUsageCalculatorRequest,
    LLMUsageCalculatorResponse,
)
from openconvai.services import llm_usage

router = APIRouter(tags=["llm usage"])


@router.post("/v1/convai/agent/{agent_id}/llm-usage/calculate", responses=ERROR_RESPONSES)
async def calculate_agent_llm_usage(
    agent_id: str,
    body: LLMUsageCalculatorRequest,
    session: Session,
    workspace_id: WorkspaceId,
    prices: Prices,
) -> LLMUsageCalculatorResponse:
    """Expected LLM cost per minute of the agent's conversations, for every priced model."""
    return await llm_usage.calculate_for_agent(session, workspace_id, agent_id, body, prices)


# Public in the contract (no API key): it reveals nothing but the price table. A body that
# is no JSON is a 400, one too large a 413.
_PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {
    status: ERROR_RESPONSES[status] for status in (400, 413)
}


@router.post("/v1/convai/llm-usage/calculate", responses=_PUBLIC_ERRORS)
async def calculate_llm_usage(
    body: LLMUsageCalculatorPublicRequest, prices: Prices
) -> LLMUsageCalculatorResponse:
    """Expected LLM cost per minute of conversation, for every priced model."""
    return llm_usage.calculate(body, prices)
