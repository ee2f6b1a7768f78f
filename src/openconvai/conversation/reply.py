"""One agent response in flight: where it is in its life, its text, audio and pacing."""

import asyncio
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

from openconvai.conversation.events import EndReason
from openconvai.conversation.heard_text import SpokenSegment, heard_text
from openconvai.conversation.log import ToolCallRecord
from openconvai.conversation.pacing import RealtimePacer

ReplyKind = Literal["llm", "fixed", "reengage"]


class ReplyPhase(IntEnum):
    """Where a reply is; it only ever moves forward.

    A speculative reply starts at the user's first pause, SPECULATING: it may think, but it
    says nothing and runs no tool, and it is thrown away if the user goes on. Once the turn
    is over it is COMMITTED; once the user's turn has been shown it is RELEASED and may speak
    and act. Every other reply starts RELEASED. Text conversations stream it (STREAMING)
    before the full text is sent (RESPONDED).
    """

    SPECULATING = 0
    COMMITTED = 1
    RELEASED = 2
    STREAMING = 3
    RESPONDED = 4


@dataclass
class Reply:
    """State of the response with `event_id`, shared by its producer and its speaker."""

    event_id: int
    kind: ReplyKind
    speculative: bool = False
    # The agent that speaks it (a transfer changes who speaks next, not who spoke).
    agent_id: str = ""
    fixed_text: str = ""
    text: str = ""
    segments: list[SpokenSegment] = field(default_factory=list)
    pacer: RealtimePacer = field(default_factory=RealtimePacer)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    # Set by a tool (end_call): how the conversation ends once this reply has been heard.
    then_end: EndReason | None = None
    # Set by a tool that switched the conversation: said next, as a reply of its own.
    then_say: str | None = None
    context_start: int = 0
    # Tool rounds running now that the user may not interrupt.
    uninterruptible: int = 0
    speculation_start: int = 0
    user_text: str | None = None
    task: asyncio.Task[None] | None = None
    after: asyncio.Task[None] | None = None  # a reply still playing that this one waits for
    # Loop times of the reply's milestones, from the end of the user's speech to the first
    # audio out: logged per turn, so a benchmark can say where the latency goes.
    marks: dict[str, float] = field(default_factory=dict)
    phase: ReplyPhase = field(init=False)
    _turn_over: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _released: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def __post_init__(self) -> None:
        self.phase = ReplyPhase.SPECULATING
        if not self.speculative:
            self.advance(ReplyPhase.RELEASED)

    def advance(self, phase: ReplyPhase) -> None:
        """Move on to `phase` (never back)."""
        if phase <= self.phase:
            return
        self.phase = phase
        if phase >= ReplyPhase.COMMITTED:
            self._turn_over.set()
        if phase >= ReplyPhase.RELEASED:
            self._released.set()

    async def wait_turn_over(self) -> None:
        """Return once the user's turn that this reply answers is over."""
        await self._turn_over.wait()

    async def wait_released(self) -> None:
        """Return once the reply may speak and run tools."""
        await self._released.wait()

    def mark(self, name: str) -> None:
        """Note when a milestone was first reached."""
        self.marks.setdefault(name, asyncio.get_running_loop().time())

    @property
    def committed(self) -> bool:
        """Whether the user's turn that this reply answers is over."""
        return self.phase >= ReplyPhase.COMMITTED

    @property
    def released(self) -> bool:
        """Whether the reply may speak and act."""
        return self.phase >= ReplyPhase.RELEASED

    @property
    def responded(self) -> bool:
        """Whether its full text has been sent."""
        return self.phase >= ReplyPhase.RESPONDED

    @property
    def audio_started(self) -> bool:
        """Whether any of its audio has left."""
        return self.pacer.started_at is not None

    def heard(self) -> str:
        """What the listener has heard of it by now."""
        return heard_text(self.segments, self.pacer.played_secs())
