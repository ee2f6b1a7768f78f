"""Conversations API: `/v1/convai/conversations...` (history, audio, feedback)."""

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from openconvai.api.deps import Prices, Session, WorkspaceId, get_state
from openconvai.api.errors import ERROR_RESPONSES
from openconvai.schemas.conversations import (
    ConversationFeedbackRequest,
    GetConversationResponse,
    GetConversationsPageResponse,
)
from openconvai.services import conversations
from openconvai.state import AppState

router = APIRouter(responses=ERROR_RESPONSES, tags=["conversations"])

# Timestamps compare with 64-bit columns; larger numbers are refused, not overflowed.
UnixSecs = Annotated[int | None, Query(ge=-(2**63), le=2**63 - 1)]


def get_data_dir(state: Annotated[AppState, Depends(get_state)]) -> Path:
    """The data directory, where recordings live."""
    return state.settings.data_dir


DataDir = Annotated[Path, Depends(get_data_dir)]


@router.get("/v1/convai/conversations")
async def list_conversations(
    session: Session,
    workspace_id: WorkspaceId,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    agent_id: Annotated[str | None, Query(max_length=512)] = None,
    call_successful: Literal["success", "failure", "unknown"] | None = None,
    call_start_before_unix: Annotated[
        UnixSecs, Query(description="Only conversations started at or before this time.")
    ] = None,
    call_start_after_unix: Annotated[
        UnixSecs, Query(description="Only conversations started at or after this time.")
    ] = None,
    user_id: Annotated[str | None, Query(max_length=1024)] = None,
    page_size: Annotated[int, Query(ge=1, le=100)] = 30,
    summary_mode: Annotated[
        Literal["exclude", "include"], Query(description="Whether to include transcript summaries.")
    ] = "exclude",
) -> GetConversationsPageResponse:
    """List the workspace's conversations, newest first, a page at a time."""
    return await conversations.list_conversations(
        session,
        workspace_id,
        page_size=page_size,
        cursor=cursor,
        agent_id=agent_id,
        call_successful=call_successful,
        call_start_before_unix=call_start_before_unix,
        call_start_after_unix=call_start_after_unix,
        user_id=user_id,
        summary_mode=summary_mode,
    )


@router.get("/v1/convai/conversations/{conversation_id}")
async def get_conversation(
    conversation_id: str, session: Session, workspace_id: WorkspaceId, prices: Prices
) -> GetConversationResponse:
    """A conversation with its transcript and metadata."""
    return await conversations.get_conversation(session, workspace_id, conversation_id, prices)


@router.delete("/v1/convai/conversations/{conversation_id}")
async def delete_conversation(
    conversation_id: str, session: Session, workspace_id: WorkspaceId, data_dir: DataDir
) -> dict[str, Any]:
    """Delete a conversation, its transcript and its recording."""
    await conversations.delete_conversation(session, workspace_id, conversation_id, data_dir)
    return {}


@router.get(
    "/v1/convai/conversations/{conversation_id}/audio",
    response_class=Response,
    responses={
        200: {
            "description": "The recording: MP3, or WAV where no MP3 encoder is installed.",
            "content": {"audio/mpeg": {}},
        }
    },
)
async def get_conversation_audio(
    conversation_id: str, session: Session, workspace_id: WorkspaceId, data_dir: DataDir
) -> Response:
    """The conversation's audio recording."""
    audio = await conversations.conversation_audio(session, workspace_id, conversation_id, data_dir)
    return Response(content=audio.content, media_type=audio.media_type)


@router.post("/v1/convai/conversations/{conversation_id}/feedback")
async def send_conversation_feedback(
    conversation_id: str,
    body: ConversationFeedbackRequest,
    session: Session,
    workspace_id: WorkspaceId,
) -> dict[str, Any]:
    """Record the user's overall feedback on a conversation."""
    await conversations.send_feedback(session, workspace_id, conversation_id, body)
    return {}
