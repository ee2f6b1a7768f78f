"""What the live conversation core records as a call happens.

Each function takes a session and commits, so every finished turn is durable as soon as it
returns; none of them runs on the audio path.
"""

from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.analysis import usage as token_usage
from openconvai.analysis.usage import TokenCounts
from openconvai.clock import now_ms
from openconvai.schemas.conversations import (
    ConversationInitiationClientData,
    ConversationInitiationSource,
    ConversationMetadata,
    TranscriptToolCall,
    TranscriptToolResult,
)
from openconvai.security.ids import new_id
from openconvai.services.errors import NotFound
from openconvai.store import conversations as store
from openconvai.store.models import Conversation, ConversationMessage

FeedbackScore = Literal["like", "dislike"]

ORPHAN_TERMINATION_REASON = "The server stopped unexpectedly."
# The WebSocket close code for an internal error: how the call ended for the client.
ORPHAN_ERROR_CODE = 1011

_MP3_BIT_RATE_KBPS = 64

# Categories of a conversation's stored LLM usage, named as the contract's `charging` names
# them: every LLM call, and the calls behind the agent entries of the transcript.
_EVERY_CALL = "initiated_generation"
_IN_TRANSCRIPT = "irreversible_generation"


class TranscriptEntryIn(BaseModel):
    """A finished transcript entry as the live core hands it over."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "agent"]
    message: str | None
    time_in_call_secs: int = Field(ge=0)
    interrupted: bool = False
    original_message: str | None = None
    source_medium: Literal["audio", "text"] | None = None
    tool_calls: list[TranscriptToolCall] = Field(default_factory=list)
    tool_results: list[TranscriptToolResult] = Field(default_factory=list)
    event_id: int | None = None
    agent_id: str | None = None
    llm_usage: dict[str, TokenCounts] | None = Field(
        default=None, description="LLM tokens of the generations that led to this agent entry."
    )


# --- Called by the live conversation core -----------------------------------------------------


async def start_conversation(
    session: AsyncSession,
    *,
    workspace_id: str,
    agent_id: str,
    user_id: str | None = None,
    dynamic_variables: dict[str, Any] | None = None,
    initiation_client_data: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    node_id: str | None = None,
    text_only: bool = False,
) -> str:
    """Record a conversation that is starting (status `initiated`); returns its id.

    `metadata` holds what the start fixes (`authorization_method`,
    `conversation_initiation_source`, `main_language`, `timezone`...); it and the client data
    are checked against the response models here, so a bad value fails the start, not a read.
    """
    client_data = dict(initiation_client_data or {})
    if isinstance(client_data.get("source_info"), dict):
        source_info = client_data["source_info"]
        client_data["source_info"] = {**source_info, "source": _source(source_info.get("source"))}
    checked_client_data = ConversationInitiationClientData.model_validate(client_data)
    placeholders = {"start_time_unix_secs": 0, "call_duration_secs": 0}
    extras = dict(metadata or {})
    if "conversation_initiation_source" in extras:
        extras["conversation_initiation_source"] = _source(extras["conversation_initiation_source"])
    checked = ConversationMetadata.model_validate(
        {**extras, "text_only": text_only, **placeholders}
    )
    variables = ConversationInitiationClientData.model_validate(
        {"dynamic_variables": dynamic_variables or {}}
    ).dynamic_variables
    now = now_ms()
    conversation = Conversation(
        id=new_id("conv"),
        workspace_id=workspace_id,
        agent_id=agent_id,
        status="initiated",
        user_id=user_id,
        start_time_unix_secs=now // 1000,
        dynamic_variables=variables,
        initiation_client_data=checked_client_data.model_dump(mode="json", exclude_unset=True),
        metadata_extras=checked.model_dump(
            mode="json", exclude_unset=True, exclude=set(placeholders)
        ),
        pending_feedback={},
        created_at_ms=now,
        updated_at_ms=now,
        node_id=node_id,
    )
    await store.add_conversation(session, conversation)
    await store.record_agent_call(session, workspace_id, agent_id, now // 1000)
    await session.commit()
    return conversation.id


async def mark_in_progress(session: AsyncSession, conversation_id: str) -> None:
    """The call was accepted and is live."""
    conversation = await _require_live(session, conversation_id)
    now = now_ms()
    conversation.status = "in-progress"
    conversation.accepted_time_unix_secs = now // 1000
    conversation.updated_at_ms = now
    await session.commit()


async def append_message(
    session: AsyncSession, conversation_id: str, entry: TranscriptEntryIn
) -> int:
    """Write a finished transcript entry; returns its number (`seq`).

    Entries of one conversation must come from one writer at a time: numbers are taken as
    the highest so far plus one.
    """
    conversation = await _require_live(session, conversation_id)
    message = ConversationMessage(
        conversation_id=conversation_id,
        seq=await store.next_seq(session, conversation_id),
        created_at_ms=now_ms(),
    )
    _fill(message, entry)
    if entry.llm_usage:
        _count_llm_usage(conversation, entry.llm_usage, in_transcript=True)
    if entry.role == "agent" and entry.event_id is not None:
        # A rating that arrived before this response was written attaches to it now.
        pending = dict(conversation.pending_feedback)
        message.feedback = pending.pop(str(entry.event_id), None)
        if message.feedback is not None:
            conversation.pending_feedback = pending
    await store.add_message(session, message)
    await session.commit()
    return message.seq


async def record_llm_usage(
    session: AsyncSession, conversation_id: str, usage: Mapping[str, TokenCounts]
) -> None:
    """Count LLM tokens no agent entry carries (generations after the last one)."""
    conversation = await _require_live(session, conversation_id)
    _count_llm_usage(conversation, usage, in_transcript=False)
    conversation.updated_at_ms = now_ms()
    await session.commit()


async def finish_conversation(
    session: AsyncSession,
    conversation_id: str,
    *,
    status: Literal["done", "failed"],
    termination_reason: str,
    call_duration_secs: int,
    error: dict[str, Any] | None = None,
    recording_path: str | None = None,
    has_user_audio: bool = False,
    has_response_audio: bool = False,
) -> None:
    """Record how the conversation ended. `recording_path` is relative to the data dir."""
    conversation = await _require_live(session, conversation_id)
    conversation.status = status
    conversation.termination_reason = termination_reason
    conversation.call_duration_secs = max(0, call_duration_secs)
    conversation.error = error
    conversation.recording_path = recording_path
    conversation.has_audio = recording_path is not None
    conversation.has_user_audio = recording_path is not None and has_user_audio
    conversation.has_response_audio = recording_path is not None and has_response_audio
    conversation.node_id = None
    conversation.updated_at_ms = now_ms()
    await session.commit()


async def fail_orphaned_conversations(session: AsyncSession, node_id: str | None) -> int:
    """Fail the conversations a stopped process left unfinished; returns how many.

    Call it on server start: with the node's id, only that node's are touched; with None,
    every unfinished one is (right for a single server, wrong beside other live nodes).
    The duration is taken from the last entry written, the best measure left.
    """
    orphans = await store.unfinished_conversations(session, node_id)
    if not orphans:
        return 0
    last_times = await store.last_message_times(session, [c.id for c in orphans])
    now = now_ms()
    for conversation in orphans:
        conversation.status = "failed"
        conversation.termination_reason = ORPHAN_TERMINATION_REASON
        conversation.call_duration_secs = last_times.get(conversation.id, 0)
        conversation.error = {"code": ORPHAN_ERROR_CODE, "reason": ORPHAN_TERMINATION_REASON}
        conversation.node_id = None
        conversation.updated_at_ms = now
    await session.commit()
    return len(orphans)


async def record_response_feedback(
    session: AsyncSession, conversation_id: str, event_id: int, score: FeedbackScore | None
) -> None:
    """The user rated the agent response `event_id` (None withdraws the rating)."""
    conversation = await _require_live(session, conversation_id)
    elapsed = max(0, now_ms() // 1000 - conversation.start_time_unix_secs)
    rating = None if score is None else {"score": score, "time_in_call_secs": elapsed}
    message = await store.agent_message_for_event(session, conversation_id, event_id)
    if message is not None:
        previous = message.feedback
        message.feedback = rating
    else:
        pending = dict(conversation.pending_feedback)
        previous = pending.pop(str(event_id), None)
        if rating is not None:
            pending[str(event_id)] = rating
        conversation.pending_feedback = pending
    _count(conversation, previous, -1)
    _count(conversation, rating, +1)
    conversation.updated_at_ms = now_ms()
    await session.commit()


def _fill(message: ConversationMessage, entry: TranscriptEntryIn) -> None:
    message.role = entry.role
    message.message = entry.message
    message.original_message = entry.original_message
    message.interrupted = entry.interrupted
    message.time_in_call_secs = entry.time_in_call_secs
    message.source_medium = entry.source_medium
    message.tool_calls = [call.model_dump(mode="json") for call in entry.tool_calls]
    message.tool_results = [result.model_dump(mode="json") for result in entry.tool_results]
    message.event_id = entry.event_id
    message.agent_id = entry.agent_id
    message.llm_usage = token_usage.to_json(entry.llm_usage) if entry.llm_usage else None


def _count_llm_usage(
    conversation: Conversation, usage: Mapping[str, TokenCounts], *, in_transcript: bool
) -> None:
    stored = dict(conversation.llm_usage or {})
    categories = [_EVERY_CALL, _IN_TRANSCRIPT] if in_transcript else [_EVERY_CALL]
    for category in categories:
        total = token_usage.combine(token_usage.from_json(stored.get(category)), usage)
        stored[category] = token_usage.to_json(total)
    # A new dict: the JSON column notices assignment, not changes inside it.
    conversation.llm_usage = stored


def _count(conversation: Conversation, rating: dict[str, Any] | None, step: int) -> None:
    if rating is None:
        return
    if rating.get("score") == "like":
        conversation.feedback_likes = max(0, conversation.feedback_likes + step)
    elif rating.get("score") == "dislike":
        conversation.feedback_dislikes = max(0, conversation.feedback_dislikes + step)


async def _require_live(session: AsyncSession, conversation_id: str) -> Conversation:
    conversation = await store.get_conversation_by_id(session, conversation_id)
    if conversation is None:
        raise NotFound("conversation_not_found", f"Conversation {conversation_id} was not found.")
    return conversation


def _source(value: object) -> object:
    # Clients newer than the contract name sources it does not list; a conversation must
    # not fail to start over that, so those are recorded as "unknown".
    if value is None or value in get_args(ConversationInitiationSource):
        return value
    return "unknown" if isinstance(value, str) else value
