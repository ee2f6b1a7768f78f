"""One agent response in flight: its id, text, the audio sent so far and its pacing."""

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from openconvai.conversation.heard_text import SpokenSegment, heard_text
from openconvai.conversation.pacing import RealtimePacer

ReplyKind = Literal["llm", "fixed", "reengage"]


@dataclass
class Reply:
    """State of the response with `event_id`, shared by its producer and its speaker."""

    event_id: int
    kind: ReplyKind
    fixed_text: str = ""
    text: str = ""
    segments: list[SpokenSegment] = field(default_factory=list)
    pacer: RealtimePacer = field(default_factory=RealtimePacer)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    tool_results: list[dict[str, Any]] = field(default_factory=list)
    response_sent: bool = False
    chat_started: bool = False
    hang_up_after: bool = False
    context_start: int = 0
    task: asyncio.Task[None] | None = None
    after: asyncio.Task[None] | None = None  # a reply still playing that this one waits for
    # A speculative reply starts at the user's first pause, before the turn is known to be
    # over: it may think, call no tools and say nothing until the turn ends (`committed`),
    # and it is thrown away if the user goes on.
    round_start: bool = True  # no text yet in the current LLM round (after a tool call)
    speculative: bool = False
    turn_over: asyncio.Event = field(default_factory=asyncio.Event)
    user_text: str | None = None
    user_published: bool = False
    speculation_start: int = 0
    released: asyncio.Event = field(default_factory=asyncio.Event)
    # Loop times of the reply's milestones, from the end of the user's speech to the first
    # audio out: logged per turn, so a benchmark can say where the latency goes.
    marks: dict[str, float] = field(default_factory=dict)

    def mark(self, name: str) -> None:
        """Note when a milestone was first reached."""
        self.marks.setdefault(name, asyncio.get_running_loop().time())

    @property
    def committed(self) -> bool:
        """Whether the user's turn that this reply answers is over."""
        return self.turn_over.is_set()

    @property
    def audio_started(self) -> bool:
        """Whether any of its audio has left."""
        return self.pacer.started_at is not None

    def heard(self) -> str:
        """What the listener has heard of it by now."""
        return heard_text(self.segments, self.pacer.played_secs())
