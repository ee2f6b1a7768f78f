"""Where a conversation's transcript goes as it happens (the store, in production)."""

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from openconvai.providers.llm.base import Usage
from openconvai.providers.vad.base import Frame


@dataclass
class ToolCallRecord:
    """One tool call of an agent turn and, once it is known, its outcome."""

    request_id: str
    tool_name: str
    arguments: dict[str, Any]
    tool_type: str | None = None
    result: str | None = None
    is_error: bool = False
    latency_secs: float | None = None
    # A system tool's typed result (the contract's `result` object).
    details: dict[str, Any] | None = None

    @property
    def answered(self) -> bool:
        """Whether the call has a result (or an error)."""
        return self.result is not None


@dataclass
class LoggedTurn:
    """One finished transcript entry."""

    role: Literal["user", "agent"]
    message: str
    time_in_call_secs: int
    interrupted: bool = False
    original_message: str | None = None
    source_medium: Literal["audio", "text"] | None = None
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    event_id: int | None = None
    # The agent that said it (changes when the conversation is transferred).
    agent_id: str | None = None


class ConversationLog(Protocol):
    """Receives transcript entries the moment they are final. Calls never block the core."""

    def in_progress(self) -> None:
        """The conversation is live."""
        ...

    def add(self, turn: LoggedTurn) -> None:
        """Record a finished entry."""
        ...

    def feedback(self, event_id: int, score: Literal["like", "dislike"] | None) -> None:
        """The user rated the agent response `event_id`."""
        ...

    def usage(self, usage: Usage) -> None:
        """One LLM generation's tokens.

        They belong to the next agent entry added, the turn they led to (dropped speculative
        replies and replies interrupted unheard included); left at the close, to none.
        """
        ...

    async def close(
        self,
        *,
        failed: bool,
        termination_reason: str,
        duration_secs: int,
        error: dict[str, Any] | None = None,
    ) -> None:
        """The conversation is over: flush everything and record how it ended."""
        ...


class CallRecorder(Protocol):
    """Receives the call's audio as it happens (to record it)."""

    def user(self, frame: Frame) -> None:
        """The next 20 ms frame of user audio (16 kHz)."""
        ...

    def agent(self, samples: Frame, at_secs: float) -> None:
        """Agent audio that starts playing `at_secs` seconds into the call."""
        ...
