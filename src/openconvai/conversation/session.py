"""The conversation core: one live conversation, whatever transport carries it.

It speaks PCM and events only. Inputs arrive as method calls (16 kHz mono PCM, user text,
tool results, control); outputs leave through the `emit` callback as `CoreEvent`s, agent
audio as PCM. Nothing here knows about WebSockets, Twilio or SIP: codecs, keep-alives and
close codes are the transport's.
"""

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Literal

from openconvai.audio.framing import FrameSplitter
from openconvai.conversation.context import CoreContext, Emit
from openconvai.conversation.events import (
    AgentResponse,
    ConversationEnded,
    ConversationStarted,
    CoreEvent,
    EndReason,
    TentativeUserTranscript,
    UserTranscript,
    VadScore,
)
from openconvai.conversation.log import CallRecorder, ConversationLog, LoggedTurn
from openconvai.conversation.replies import ReplyRunner
from openconvai.conversation.setup import SessionSetup
from openconvai.conversation.speculation import Speculation
from openconvai.conversation.timers import Watchdog
from openconvai.conversation.tool_port import SessionSwitch, ToolDispatcher, no_secrets
from openconvai.conversation.turn_taking import TurnDetector, TurnSignal
from openconvai.providers.llm.base import ChatMessage
from openconvai.providers.pipeline import Pipeline
from openconvai.providers.vad.base import Frame

_PREROLL_FRAMES = 10  # 200 ms of audio before speech was detected, so no word loses its start
_VAD_SCORE_EVERY_FRAMES = 5


class ConversationSession:
    """A live conversation: turn-taking, streamed replies, barge-in, tools and timers."""

    def __init__(
        self,
        setup: SessionSetup,
        pipeline: Pipeline,
        emit: Emit,
        log: ConversationLog,
        recorder: CallRecorder | None = None,
        *,
        tools: ToolDispatcher,
        secret: Callable[[str], Awaitable[str]] = no_secrets,
        handover: Callable[[str], Awaitable[SessionSwitch]] | None = None,
    ) -> None:
        stt = pipeline.stt.stream(
            language=setup.language, keywords=setup.asr_keywords, on_partial=self._on_partial
        )
        self._ctx = ctx = CoreContext(
            setup, pipeline, emit, log, recorder, tools, stt, secret, handover
        )
        ctx.end = self.end
        ctx.on_switch = self._switched
        self._replies = ReplyRunner(ctx)
        self._speculation = Speculation(ctx, self._replies)
        self._turns = TurnDetector(setup.turn_policy)
        self._watchdog = Watchdog(ctx, self._replies, self._turns)
        self._watching: asyncio.Task[None] | None = None
        self._frames = FrameSplitter()
        self._vad = pipeline.vad.stream()
        self._preroll: deque[Frame] = deque(maxlen=_PREROLL_FRAMES)
        self._partial: str | None = None
        self._frame_count = 0
        self._ended = asyncio.Event()
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def setup(self) -> SessionSetup:
        """The setup the conversation runs now (a transfer or a language switch changes it)."""
        return self._ctx.setup

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Announce the conversation, start its timers and speak the first message."""
        ctx = self._ctx
        await ctx.emit(
            ConversationStarted(
                conversation_id=self.setup.conversation_id,
                user_input_audio_format=self.setup.input_format.name,
                agent_output_audio_format=self.setup.output_format.name,
            )
        )
        ctx.log.in_progress()
        self._watching = asyncio.create_task(self._watchdog.run(), name="conversation-watchdog")
        self._speculation.prefill()
        first = self.setup.first_message
        if first and self.setup.text_only:
            # Nothing to speak: the greeting is whole at once, before any user message.
            event_id = ctx.next_event_id()
            ctx.messages.append(ChatMessage("assistant", first))
            await ctx.emit(AgentResponse(text=first, event_id=event_id))
            ctx.log.add(LoggedTurn("agent", first, 0, event_id=event_id))
        elif first:
            self._replies.start("fixed", fixed_text=first)

    async def end(self, reason: EndReason, *, failed: bool = False) -> None:
        """Stop everything, finalise the transcript and tell the transport it is over."""
        ctx = self._ctx
        if ctx.ending:
            return
        ctx.ending = True
        current = asyncio.current_task()
        reply = ctx.reply
        playing = reply.after if reply is not None else None
        if reply is not None and reply.task is not current:
            await self._replies.interrupt(announce=False)
        if playing is not None and playing is not current:
            playing.cancel()
        if self._watching is not None and self._watching is not current:
            self._watching.cancel()
        self._speculation.cancel()
        ctx.client_results.cancel_all()
        ctx.approvals.cancel_all()
        await ctx.stt.aclose()
        await ctx.log.close(
            failed=failed, termination_reason=reason.value, duration_secs=int(ctx.elapsed())
        )
        with contextlib.suppress(Exception):
            await ctx.emit_raw(ConversationEnded(reason=reason))
        self._ended.set()

    async def wait_ended(self) -> None:
        """Return once the conversation is over."""
        await self._ended.wait()

    @property
    def ended(self) -> bool:
        """Whether the conversation is over (or ending)."""
        return self._ctx.ending

    def elapsed(self) -> float:
        """Seconds since the conversation started."""
        return self._ctx.elapsed()

    # --- inputs --------------------------------------------------------------------------

    async def push_audio(self, samples: Frame) -> None:
        """User audio: 16 kHz mono int16 PCM, any number of samples."""
        if self._ctx.ending or self.setup.text_only:
            return
        for frame in self._frames.push(samples):
            await self._on_frame(frame)

    async def user_text(self, text: str) -> None:
        """A typed user turn: interrupts the agent and gets a reply."""
        ctx = self._ctx
        if ctx.ending or not text.strip():
            return
        await self._replies.interrupt()
        ctx.touch(user=True)
        await ctx.emit(UserTranscript(text=text, event_id=ctx.next_event_id()))
        ctx.record_user(text, "text")
        self._replies.start("llm")

    def contextual_update(self, text: str) -> None:
        """Information for the agent that asks for no reply."""
        if text.strip():
            self._ctx.messages.append(ChatMessage("system", f"Context update: {text}"))

    def user_activity(self) -> None:
        """The user is present (typing, say): postpone the inactivity timers."""
        self._ctx.touch(user=True)

    def client_tool_result(self, tool_call_id: str, result: str, is_error: bool) -> None:
        """The client's answer to a `client_tool_call`."""
        self._ctx.client_results.deliver(tool_call_id, (result, is_error))

    def mcp_tool_approval(self, tool_call_id: str, approved: bool) -> None:
        """The client's decision on an MCP call awaiting approval."""
        self._ctx.approvals.deliver(tool_call_id, approved)

    async def announce(self, event: CoreEvent) -> None:
        """Send an event that something outside the core learnt (MCP servers at the start)."""
        await self._ctx.emit(event)

    def feedback(self, event_id: int, score: Literal["like", "dislike"] | None) -> None:
        """The user rated a response."""
        self._ctx.log.feedback(event_id, score)

    # --- audio path ----------------------------------------------------------------------

    async def _on_frame(self, frame: Frame) -> None:
        ctx = self._ctx
        if ctx.recorder is not None:
            ctx.recorder.user(frame)
        probability = await self._vad.process(frame)
        self._frame_count += 1
        if (
            self._frame_count % _VAD_SCORE_EVERY_FRAMES == 0
            and "vad_score" in self.setup.client_events
        ):
            await ctx.emit(VadScore(score=round(probability, 3)))
        signal = self._turns.update(probability)
        if self._turns.in_utterance:
            if signal is TurnSignal.SPEECH_STARTED:
                self._speculation.prefill()
                for early in self._preroll:
                    ctx.stt.push(early)
                self._preroll.clear()
            ctx.stt.push(frame)
            ctx.touch(user=True)
            if self._partial is not None:
                partial, self._partial = self._partial, None
                await ctx.emit(TentativeUserTranscript(text=partial, event_id=ctx.event_id))
        else:
            self._preroll.append(frame)
        if signal is None:
            return
        await self._on_turn_signal(signal)

    async def _on_turn_signal(self, signal: TurnSignal) -> None:
        ctx = self._ctx
        if signal is TurnSignal.SPEECH_CONFIRMED and self._interruptible():
            await self._replies.interrupt()
        elif signal is TurnSignal.PAUSED:
            self._speculation.paused(ctx.loop.time() - self.setup.turn_policy.pause_ms / 1000)
        elif signal is TurnSignal.RESUMED:
            await self._speculation.resumed()
        elif signal is TurnSignal.TURN_ENDED:
            pending = self._speculation.pending()
            if pending is not None:
                await self._speculation.commit(pending)
            else:
                silence = self.setup.turn_policy.end_of_turn_silence_ms / 1000
                speech_end = ctx.loop.time() - silence
                self._replies.start("llm", from_audio=True, speech_end=speech_end)
        elif signal is TurnSignal.NOISE_DISCARDED:
            ctx.stt.reset()

    def _switched(self, before: SessionSetup, providers: Pipeline) -> None:
        """The conversation goes on as another setup: new streams where they must differ."""
        ctx = self._ctx
        self._turns.policy = ctx.setup.turn_policy
        if ctx.pipeline.vad is not providers.vad:
            self._vad = ctx.pipeline.vad.stream()
        if ctx.pipeline.stt is providers.stt and ctx.setup.language == before.language:
            return
        old = ctx.stt
        ctx.stt = ctx.pipeline.stt.stream(
            language=ctx.setup.language,
            keywords=ctx.setup.asr_keywords,
            on_partial=self._on_partial,
        )
        self._closing.add(task := asyncio.create_task(old.aclose(), name="stt-close"))
        task.add_done_callback(self._closing.discard)

    def _interruptible(self) -> bool:
        reply = self._ctx.reply
        if reply is None:
            return True
        if reply.uninterruptible:
            return False  # a tool that asked not to be interrupted is running
        return reply.kind != "fixed" or self.setup.first_message_interruptible

    def _on_partial(self, text: str) -> None:
        # Called from inside `push`; the frame loop emits it right after.
        if "tentative_user_transcript" in self.setup.client_events:
            self._partial = text
