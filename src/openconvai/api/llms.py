"""The LLMs agents may use: `GET /v1/convai/llm/list`."""

from typing import Annotated

from fastapi import APIRouter, Depends

from openconvai.api.deps import WorkspaceId, get_state
from openconvai.api.errors import ERROR_RESPONSES
from openconvai.schemas.llms import LlmListResponse
from openconvai.services.llm_catalog import list_llms
from openconvai.state import AppState

router = APIRouter(responses=ERROR_RESPONSES, tags=["llm"])


@router.get("/v1/convai/llm/list")
async def llm_list(
    workspace_id: WorkspaceId, state: Annotated[AppState, Depends(get_state)]
) -> LlmListResponse:
    """List the models agents may use, with their limits."""
    return list_llms(state.settings.local_llm_context)
