"""Conversation authorization API: signed WebSocket URLs and conversation tokens."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from openconvai.api.deps import Session, WorkspaceId, get_state
from openconvai.api.errors import ERROR_RESPONSES
from openconvai.schemas.conversation_auth import (
    ConversationSignedUrlResponse,
    ConversationTokenResponse,
)
from openconvai.services import conversation_auth
from openconvai.state import AppState

router = APIRouter(responses=ERROR_RESPONSES, tags=["conversations"])

_IGNORED = "Accepted; ignored."


def get_signing_key(request: Request) -> bytes:
    """The key that signs conversation tokens."""
    key: bytes = request.app.state.openconvai.signing_key
    return key


SigningKey = Annotated[bytes, Depends(get_signing_key)]
AgentIdQuery = Annotated[str, Query(min_length=1, max_length=256, description="The agent.")]


@router.get("/v1/convai/conversation/get-signed-url")
# The legacy spelling; its own operation id, as FastAPI's derived one equals the main route's.
@router.get(
    "/v1/convai/conversation/get_signed_url",
    include_in_schema=False,
    operation_id="get_signed_url_legacy_alias",
)
async def get_signed_url(
    request: Request,
    agent_id: AgentIdQuery,
    session: Session,
    workspace_id: WorkspaceId,
    signing_key: SigningKey,
    state: Annotated[AppState, Depends(get_state)],
    include_conversation_id: Annotated[bool | None, Query(description=_IGNORED)] = None,
    branch_id: Annotated[str | None, Query(description=_IGNORED)] = None,
    version_id: Annotated[str | None, Query(description=_IGNORED)] = None,
    environment: Annotated[str | None, Query(description=_IGNORED)] = None,
    debug_events_request: Annotated[bool | None, Query(description=_IGNORED)] = None,
) -> ConversationSignedUrlResponse:
    """A WebSocket URL for an agent that needs no API key, valid for 15 minutes."""
    base_url = conversation_auth.client_base_url(
        state.settings.public_base_url,
        request_base_url=str(request.base_url),
        forwarded_proto=request.headers.get("x-forwarded-proto"),
        forwarded_host=request.headers.get("x-forwarded-host"),
    )
    return await conversation_auth.signed_url(
        session, workspace_id, agent_id, signing_key=signing_key, base_url=base_url
    )


@router.get("/v1/convai/conversation/token")
async def get_conversation_token(
    agent_id: AgentIdQuery,
    session: Session,
    workspace_id: WorkspaceId,
    signing_key: SigningKey,
    participant_name: Annotated[str | None, Query(description=_IGNORED)] = None,
    branch_id: Annotated[str | None, Query(description=_IGNORED)] = None,
    version_id: Annotated[str | None, Query(description=_IGNORED)] = None,
    environment: Annotated[str | None, Query(description=_IGNORED)] = None,
    debug_events_request: Annotated[bool | None, Query(description=_IGNORED)] = None,
) -> ConversationTokenResponse:
    """A conversation token for an agent, for the WebSocket's `token` parameter."""
    return await conversation_auth.conversation_token(
        session, workspace_id, agent_id, signing_key=signing_key
    )
