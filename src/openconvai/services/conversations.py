"""Conversations as the API reads them back: listing, detail, audio, feedback.

What the live core writes is in `conversation_records` (re-exported here).
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.analysis import usage as token_usage
from openconvai.analysis.pricing import LIST_PRICES, ModelPrice
from openconvai.audio.mp3 import pcm16_to_mp3
from openconvai.audio.wav import wav_to_pcm16
from openconvai.clock import now_ms
from openconvai.schemas.conversations import (
    ConversationAnalysis,
    ConversationCharging,
    ConversationFeedbackRequest,
    ConversationFeedbackSummary,
    ConversationInitiationClientData,
    ConversationMetadata,
    ConversationStatus,
    ConversationSummary,
    EvaluationSuccessResult,
    GetConversationResponse,
    GetConversationsPageResponse,
    TranscriptEntry,
)
from openconvai.services import llm_usage
from openconvai.services.conversation_records import (
    ORPHAN_ERROR_CODE,
    ORPHAN_TERMINATION_REASON,
    TranscriptEntryIn,
    append_message,
    fail_orphaned_conversations,
    finish_conversation,
    mark_in_progress,
    record_llm_usage,
    record_response_feedback,
    start_conversation,
)
from openconvai.services.errors import NotFound
from openconvai.services.pagination import decode_cursor
from openconvai.store import conversations as store
from openconvai.store.models import Conversation, ConversationMessage

FeedbackScore = Literal["like", "dislike"]


_MP3_BIT_RATE_KBPS = 64

# Categories of a conversation's stored LLM usage, named as the contract's `charging` names
# them: every LLM call, and the calls behind the agent entries of the transcript.
_EVERY_CALL = "initiated_generation"
_IN_TRANSCRIPT = "irreversible_generation"


__all__ = [
    "ORPHAN_ERROR_CODE",
    "ORPHAN_TERMINATION_REASON",
    "TranscriptEntryIn",
    "append_message",
    "fail_orphaned_conversations",
    "finish_conversation",
    "mark_in_progress",
    "record_llm_usage",
    "record_response_feedback",
    "start_conversation",
]


@dataclass(frozen=True)
class RecordingAudio:
    """A conversation's recording, ready to send."""

    content: bytes
    media_type: str


# --- Called by the REST API -------------------------------------------------------------------


async def list_conversations(
    session: AsyncSession,
    workspace_id: str,
    *,
    page_size: int,
    cursor: str | None,
    agent_id: str | None = None,
    call_successful: EvaluationSuccessResult | None = None,
    call_start_before_unix: int | None = None,
    call_start_after_unix: int | None = None,
    user_id: str | None = None,
    summary_mode: Literal["exclude", "include"] = "exclude",
) -> GetConversationsPageResponse:
    """One page of the workspace's conversations, newest first, and the next cursor."""
    query = store.ConversationQuery(
        page_size=page_size,
        cursor=decode_cursor(cursor, int),
        agent_id=agent_id,
        call_successful=call_successful,
        call_start_before_unix=call_start_before_unix,
        call_start_after_unix=call_start_after_unix,
        user_id=user_id,
    )
    rows, next_cursor = await store.list_conversations(session, workspace_id, query)
    counts = await store.count_messages(session, [row.id for row in rows])
    names = await store.agent_names(session, workspace_id, {row.agent_id for row in rows})
    summaries = [
        ConversationSummary(
            agent_id=row.agent_id,
            agent_name=names.get(row.agent_id),
            conversation_id=row.id,
            start_time_unix_secs=row.start_time_unix_secs,
            call_duration_secs=row.call_duration_secs,
            message_count=counts.get(row.id, 0),
            status=_status(row.status),
            call_successful=_success(row.call_successful),
            transcript_summary=row.transcript_summary if summary_mode == "include" else None,
            call_summary_title=row.call_summary_title,
        )
        for row in rows
    ]
    return GetConversationsPageResponse(
        conversations=summaries,
        next_cursor=next_cursor.encode() if next_cursor else None,
        has_more=next_cursor is not None,
    )


async def get_conversation(
    session: AsyncSession,
    workspace_id: str,
    conversation_id: str,
    prices: Mapping[str, ModelPrice] = LIST_PRICES,
) -> GetConversationResponse:
    """The conversation with its transcript; `NotFound` outside the caller's workspace.

    LLM usage is priced with `prices` (the server's table: list prices and settings).
    """
    conversation = await _require(session, workspace_id, conversation_id)
    messages = await store.list_messages(session, conversation_id)
    names = await store.agent_names(session, workspace_id, [conversation.agent_id])
    return conversation_response(conversation, messages, names.get(conversation.agent_id), prices)


async def delete_conversation(
    session: AsyncSession, workspace_id: str, conversation_id: str, data_dir: Path
) -> None:
    """Delete a conversation, its transcript and its recording."""
    conversation = await _require(session, workspace_id, conversation_id)
    recording = _recording_file(data_dir, conversation.recording_path)
    await store.delete_conversation(session, conversation)
    await session.commit()
    if recording is not None:
        await asyncio.to_thread(recording.unlink, missing_ok=True)


async def conversation_audio(
    session: AsyncSession, workspace_id: str, conversation_id: str, data_dir: Path
) -> RecordingAudio:
    """The recording as MP3, the contract's format (stored as WAV, encoded on request)."""
    conversation = await _require(session, workspace_id, conversation_id)
    recording = _recording_file(data_dir, conversation.recording_path)
    if recording is None:
        raise NotFound("audio_not_found", f"Conversation {conversation_id} has no recording.")
    try:
        wav = await asyncio.to_thread(recording.read_bytes)
    except FileNotFoundError as exc:
        raise NotFound(
            "audio_not_found", f"The recording of conversation {conversation_id} is missing."
        ) from exc
    try:
        samples, rate = wav_to_pcm16(wav)
    except ValueError as exc:
        raise NotFound(
            "audio_not_found", f"The recording of conversation {conversation_id} is unreadable."
        ) from exc
    return RecordingAudio(await asyncio.to_thread(pcm16_to_mp3, samples, rate), "audio/mpeg")


async def send_feedback(
    session: AsyncSession,
    workspace_id: str,
    conversation_id: str,
    body: ConversationFeedbackRequest,
) -> None:
    """Store the user's overall feedback; only the fields sent change."""
    conversation = await _require(session, workspace_id, conversation_id)
    sent = body.model_fields_set
    if "feedback" in sent:
        conversation.feedback_score = body.feedback
    if "rating" in sent:
        conversation.feedback_rating = body.rating
    if "comment" in sent:
        conversation.feedback_comment = body.comment
    conversation.updated_at_ms = now_ms()
    await session.commit()


def conversation_response(
    conversation: Conversation,
    messages: Sequence[ConversationMessage],
    agent_name: str | None,
    prices: Mapping[str, ModelPrice] = LIST_PRICES,
) -> GetConversationResponse:
    """The public view of a stored conversation and its transcript, usage priced by `prices`."""
    transcript = [_entry(message, prices, conversation.agent_id) for message in messages]
    client_data = dict(conversation.initiation_client_data)
    client_data["dynamic_variables"] = conversation.dynamic_variables
    if client_data.get("user_id") is None:
        client_data["user_id"] = conversation.user_id
    return GetConversationResponse(
        agent_id=conversation.agent_id,
        agent_name=agent_name,
        conversation_id=conversation.id,
        status=_status(conversation.status),
        user_id=conversation.user_id,
        transcript=transcript,
        metadata=_metadata(conversation, prices),
        analysis=_analysis(conversation),
        conversation_initiation_client_data=ConversationInitiationClientData.model_validate(
            client_data
        ),
        has_audio=conversation.has_audio,
        has_user_audio=conversation.has_user_audio,
        has_response_audio=conversation.has_response_audio,
        user_message_count=sum(1 for e in transcript if e.role == "user" and e.message),
        agent_message_count=sum(1 for e in transcript if e.role == "agent" and e.message),
    )


# --- Internals --------------------------------------------------------------------------------


def _entry(
    message: ConversationMessage, prices: Mapping[str, ModelPrice], first_agent: str
) -> TranscriptEntry:
    llm = message.llm_usage
    return TranscriptEntry.model_validate(
        {
            "role": message.role,
            "message": message.message,
            "tool_calls": message.tool_calls,
            "tool_results": message.tool_results,
            "feedback": message.feedback,
            "time_in_call_secs": message.time_in_call_secs,
            "interrupted": message.interrupted,
            "original_message": message.original_message,
            "source_medium": message.source_medium,
            "source_event_id": message.event_id,
            "created_at_unix_ms": message.created_at_ms,
            **_agent_metadata(message, first_agent),
            "llm_usage": None
            if llm is None
            else llm_usage.priced_usage(token_usage.from_json(llm), prices),
        }
    )


def _agent_metadata(message: ConversationMessage, first_agent: str) -> dict[str, object]:
    # Only turns said after a transfer say who spoke: the others keep the OA shape.
    if message.agent_id is None or message.agent_id == first_agent:
        return {}
    return {"agent_metadata": {"agent_id": message.agent_id}}


def _metadata(conversation: Conversation, prices: Mapping[str, ModelPrice]) -> ConversationMetadata:
    feedback_type = (
        "rating"
        if conversation.feedback_rating is not None
        else "thumbs"
        if conversation.feedback_score is not None
        else None
    )
    owned = {
        "start_time_unix_secs": conversation.start_time_unix_secs,
        "accepted_time_unix_secs": conversation.accepted_time_unix_secs,
        "call_duration_secs": conversation.call_duration_secs,
        "termination_reason": conversation.termination_reason,
        "error": conversation.error,
        "charging": _charging(conversation, prices),
        "feedback": ConversationFeedbackSummary.model_validate(
            {
                "type": feedback_type,
                "overall_score": conversation.feedback_score,
                "likes": conversation.feedback_likes,
                "dislikes": conversation.feedback_dislikes,
                "rating": conversation.feedback_rating,
                "comment": conversation.feedback_comment,
            }
        ),
    }
    return ConversationMetadata.model_validate({**conversation.metadata_extras, **owned})


def _charging(conversation: Conversation, prices: Mapping[str, ModelPrice]) -> ConversationCharging:
    stored = conversation.llm_usage
    if stored is None:
        return llm_usage.charging(None, {}, prices)
    return llm_usage.charging(
        token_usage.from_json(stored.get(_EVERY_CALL)),
        token_usage.from_json(stored.get(_IN_TRANSCRIPT)),
        prices,
    )


def _analysis(conversation: Conversation) -> ConversationAnalysis | None:
    if conversation.call_successful is None:
        return None
    return ConversationAnalysis.model_validate(
        {
            "call_successful": conversation.call_successful,
            "transcript_summary": conversation.transcript_summary or "",
            "call_summary_title": conversation.call_summary_title,
        }
    )


def _status(value: str) -> ConversationStatus:
    if value not in get_args(ConversationStatus):
        raise ValueError(f"unknown conversation status {value!r}")
    return cast(ConversationStatus, value)


def _success(value: str | None) -> EvaluationSuccessResult:
    # Not analysed (yet) reads as unknown.
    return "success" if value == "success" else "failure" if value == "failure" else "unknown"


def _recording_file(data_dir: Path, recording_path: str | None) -> Path | None:
    if not recording_path:
        return None
    root = data_dir.resolve()
    path = (root / recording_path).resolve()
    # The path comes from the store; never serve or delete anything outside the data dir.
    return path if path.is_relative_to(root) else None


async def _require(session: AsyncSession, workspace_id: str, conversation_id: str) -> Conversation:
    conversation = await store.get_conversation(session, workspace_id, conversation_id)
    if conversation is None:
        raise NotFound("conversation_not_found", f"Conversation {conversation_id} was not found.")
    return conversation
