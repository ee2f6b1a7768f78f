"""The conversation core's transcript, written to the store as it happens, off the hot path.

Each write is its own short transaction, made by one background writer per conversation
in the order the core produced them, so a crash loses no finished turn and the frame loop
never waits for the database.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.analysis import usage as token_usage
from openconvai.analysis.usage import ModelTokens
from openconvai.audio.call_recording import WavCallRecorder
from openconvai.conversation.log import LoggedTurn, ToolCallRecord
from openconvai.providers.llm.base import Usage
from openconvai.services import conversations
from openconvai.store.database import Database

logger = logging.getLogger(__name__)

Write = Callable[[AsyncSession], Awaitable[None]]

_WRITE_DELAY_SECS = 0.15


class StoreConversationLog:
    """`ConversationLog` backed by the store."""

    def __init__(
        self,
        database: Database,
        conversation_id: str,
        recording: tuple[WavCallRecorder, str] | None = None,
    ) -> None:
        """`recording` is the call's recorder and its file's path relative to the data dir."""
        self._database = database
        self.conversation_id = conversation_id
        self._recording = recording
        self._queue: asyncio.Queue[Write | None] = asyncio.Queue()
        # Tokens of the generations since the last agent entry: written with the next one,
        # the turn they led to, so counting them costs no write of its own.
        self._usage: ModelTokens = {}
        self._writer = asyncio.create_task(self._write_all(), name="conversation-log")

    def in_progress(self) -> None:
        """The conversation is live."""
        self._queue.put_nowait(lambda s: conversations.mark_in_progress(s, self.conversation_id))

    def add(self, turn: LoggedTurn) -> None:
        """Queue a finished entry; an agent entry carries the LLM tokens that led to it."""
        produced: ModelTokens = {}
        if turn.role == "agent":
            produced, self._usage = self._usage, {}
        self._queue.put_nowait(lambda s: _append(s, self.conversation_id, turn, produced))

    def usage(self, usage: Usage) -> None:
        """Count one generation's tokens (written with the next agent entry)."""
        self._usage = token_usage.combine(self._usage, token_usage.tally([usage]))

    def feedback(self, event_id: int, score: Literal["like", "dislike"] | None) -> None:
        """Queue a rating of the response `event_id`."""
        self._queue.put_nowait(
            lambda s: conversations.record_response_feedback(
                s, self.conversation_id, event_id, score
            )
        )

    async def close(
        self,
        *,
        failed: bool,
        termination_reason: str,
        duration_secs: int,
        error: dict[str, Any] | None = None,
    ) -> None:
        """Write how it ended after everything queued before, and stop the writer."""
        if self._usage:
            # Generations after the last agent entry were never heard: they count towards
            # the conversation only.
            unheard, self._usage = self._usage, {}
            self._queue.put_nowait(
                lambda s: conversations.record_llm_usage(s, self.conversation_id, unheard)
            )
        path, heard_user, heard_agent = None, False, False
        if self._recording is not None:
            recorder, path = self._recording
            recorder.close()
            heard_user, heard_agent = recorder.has_user_audio, recorder.has_agent_audio
            if not (heard_user or heard_agent):
                recorder.path.unlink(missing_ok=True)
                path = None
        self._queue.put_nowait(
            lambda s: conversations.finish_conversation(
                s,
                self.conversation_id,
                status="failed" if failed else "done",
                termination_reason=termination_reason,
                call_duration_secs=duration_secs,
                error=error,
                recording_path=path,
                has_user_audio=heard_user,
                has_response_audio=heard_agent,
            )
        )
        self._queue.put_nowait(None)
        # Shielded: a cancelled caller (a client gone, a server stopping) must not cut the
        # final writes short.
        await asyncio.shield(self._writer)

    async def _write_all(self) -> None:
        while (write := await self._queue.get()) is not None:
            # An entry becomes final at the end of a turn, exactly when the reply's first
            # audio is being made: writing a moment later keeps the database work (ORM,
            # commit) off that path. Still well within a second of the entry being final.
            await asyncio.sleep(_WRITE_DELAY_SECS)
            try:
                async with self._database.session() as session:
                    await write(session)
            except Exception:
                logger.exception("could not store conversation %s", self.conversation_id)


async def _append(
    session: AsyncSession, conversation_id: str, turn: LoggedTurn, produced: ModelTokens
) -> None:
    await conversations.append_message(session, conversation_id, _entry(turn, produced))


def _entry(turn: LoggedTurn, produced: ModelTokens) -> conversations.TranscriptEntryIn:
    return conversations.TranscriptEntryIn.model_validate(
        {
            "role": turn.role,
            "message": turn.message or None,
            "time_in_call_secs": turn.time_in_call_secs,
            "interrupted": turn.interrupted,
            "original_message": turn.original_message,
            "source_medium": turn.source_medium,
            "tool_calls": [_tool_call(call) for call in turn.tool_calls],
            "tool_results": [_tool_result(call) for call in turn.tool_calls if call.answered],
            "event_id": turn.event_id,
            "agent_id": turn.agent_id if turn.role == "agent" else None,
            "llm_usage": token_usage.to_json(produced) if produced else None,
        }
    )


def _tool_call(call: ToolCallRecord) -> dict[str, Any]:
    """The transcript's `tool_calls` item of a call."""
    return {
        "type": call.tool_type,
        "request_id": call.request_id,
        "tool_name": call.tool_name,
        "params_as_json": json.dumps(call.arguments, separators=(",", ":")),
        "tool_has_been_called": True,
    }


def _tool_result(call: ToolCallRecord) -> dict[str, Any]:
    """The transcript's `tool_results` item of an answered call."""
    return {
        "type": call.tool_type,
        "request_id": call.request_id,
        "tool_name": call.tool_name,
        "result_value": call.result,
        "is_error": call.is_error,
        "tool_has_been_called": True,
        "tool_latency_secs": round(call.latency_secs or 0.0, 4),
        **({"result": call.details} if call.details is not None else {}),
    }
