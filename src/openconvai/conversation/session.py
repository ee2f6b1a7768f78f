"""The conversation core: one live conversation, whatever transport carries it.

Inputs arrive as method calls (audio, text, tool results, control); outputs leave through
the `emit` callback as `CoreEvent`s. Nothing here knows about WebSockets, Twilio or SIP.
"""

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from openconvai.audio.codec import InputDecoder, OutputEncoder
from openconvai.audio.framing import FrameSplitter
from openconvai.conversation.events import (
    ALWAYS_SENT,
    AgentAudio,
    AgentChatResponsePart,
    AgentResponse,
    AgentResponseCorrection,
    AgentToolResponse,
    ClientToolCall,
    ConversationEnded,
    ConversationStarted,
    CoreEvent,
    ErrorEvent,
    Interruption,
    Ping,
    TentativeUserTranscript,
    UserTranscript,
    VadScore,
)
from openconvai.conversation.heard_text import SpokenSegment
from openconvai.conversation.log import CallRecorder, ConversationLog, LoggedTurn
from openconvai.conversation.reply import Reply, ReplyKind
from openconvai.conversation.sentences import VoicedSegments
from openconvai.conversation.setup import SessionSetup
from openconvai.conversation.turn_taking import TurnDetector, TurnSignal
from openconvai.conversation.voice_markup import VoiceMarkupSplitter, VoiceSpan, split_voice_markup
from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.base import (
    ChatMessage,
    LlmRequest,
    Prefills,
    TextDelta,
    ToolCall,
    Usage,
)
from openconvai.providers.pipeline import Pipeline as Pipeline
from openconvai.providers.vad.base import Frame

logger = logging.getLogger(__name__)
timings_logger = logging.getLogger("openconvai.turn_timings")

Emit = Callable[[CoreEvent], Awaitable[None]]

_PREROLL_FRAMES = 10  # 200 ms of audio before speech was detected, so no word loses its start
_VAD_SCORE_EVERY_FRAMES = 5
_WATCHDOG_SECS = 0.1
_MAX_TOOL_ROUNDS = 5
_REENGAGE_PROMPT = (
    "The user has not said anything for a while. Check briefly whether they are still there."
)


class ConversationSession:
    """A live conversation: turn-taking, streamed replies, barge-in, tools and timers."""

    def __init__(
        self,
        setup: SessionSetup,
        pipeline: Pipeline,
        emit: Emit,
        log: ConversationLog,
        recorder: CallRecorder | None = None,
    ) -> None:
        self.setup = setup
        self._recorder = recorder
        self._pipeline = pipeline
        self._emit_raw = emit
        self._log = log
        self._loop = asyncio.get_running_loop()
        self._started_at = self._loop.time()
        self._event_id = 0
        self._reply: Reply | None = None
        self._messages: list[ChatMessage] = []
        self._decoder = InputDecoder(setup.input_format)
        self._frames = FrameSplitter()
        self._encoder = OutputEncoder(pipeline.tts.sample_rate, setup.output_format)
        self._vad = pipeline.vad.stream()
        self._stt = pipeline.stt.stream(
            language=setup.language, keywords=setup.asr_keywords, on_partial=self._on_partial
        )
        self._turns = TurnDetector(setup.turn_policy)
        self._preroll: deque[Frame] = deque(maxlen=_PREROLL_FRAMES)
        self._partial: str | None = None
        self._frame_count = 0
        self._last_activity = self._started_at
        self._last_user_activity = self._started_at
        self._ping_id = 0
        self._pings_sent: dict[int, float] = {}
        self._ping_ms: int | None = None
        self._next_ping = self._started_at + setup.ping_interval_secs
        self._tool_waiters: dict[str, asyncio.Future[tuple[str, bool]]] = {}
        self._watchdog: asyncio.Task[None] | None = None
        self._prefilling: asyncio.Task[None] | None = None
        self._ended = asyncio.Event()
        self._ending = False

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Announce the conversation, start its timers and speak the first message."""
        await self._emit(
            ConversationStarted(
                conversation_id=self.setup.conversation_id,
                user_input_audio_format=self.setup.input_format.name,
                agent_output_audio_format=self.setup.output_format.name,
            )
        )
        self._log.in_progress()
        self._watchdog = asyncio.create_task(self._watch(), name="conversation-watchdog")
        self._prefill()
        first = self.setup.first_message
        if first and self.setup.text_only:
            # Nothing to speak: the greeting is whole at once, before any user message.
            event_id = self._next_event_id()
            self._messages.append(ChatMessage("assistant", first))
            await self._emit(AgentResponse(text=first, event_id=event_id))
            self._log.add(LoggedTurn("agent", first, 0, event_id=event_id))
        elif first:
            self._start_reply("fixed", fixed_text=first)

    async def end(self, reason: str, *, close_code: int = 1000, failed: bool = False) -> None:
        """Stop everything, finalise the transcript and tell the transport to close."""
        if self._ending:
            return
        self._ending = True
        current = asyncio.current_task()
        reply = self._reply
        playing = reply.after if reply is not None else None
        if reply is not None and reply.task is not current:
            await self._interrupt(announce=False)
        if playing is not None and playing is not current:
            playing.cancel()
        if self._watchdog is not None and self._watchdog is not current:
            self._watchdog.cancel()
        if self._prefilling is not None:
            self._prefilling.cancel()
        for waiter in self._tool_waiters.values():
            waiter.cancel()
        await self._stt.aclose()
        await self._log.close(
            failed=failed, termination_reason=reason, duration_secs=int(self.elapsed())
        )
        with contextlib.suppress(Exception):
            await self._emit_raw(ConversationEnded(reason=reason, close_code=close_code))
        self._ended.set()

    async def wait_ended(self) -> None:
        """Return once the conversation is over."""
        await self._ended.wait()

    @property
    def ended(self) -> bool:
        """Whether the conversation is over (or ending)."""
        return self._ending

    def elapsed(self) -> float:
        """Seconds since the conversation started."""
        return self._loop.time() - self._started_at

    # --- inputs --------------------------------------------------------------------------

    async def push_audio(self, payload: bytes) -> None:
        """User audio in the conversation's input format (any chunk size)."""
        if self._ending or self.setup.text_only:
            return
        samples = self._decoder.decode(payload)
        for frame in self._frames.push(samples):
            await self._on_frame(frame)

    async def user_text(self, text: str) -> None:
        """A typed user turn: interrupts the agent and gets a reply."""
        if self._ending or not text.strip():
            return
        await self._interrupt()
        self._touch(user=True)
        event_id = self._next_event_id()
        await self._emit(UserTranscript(text=text, event_id=event_id))
        self._record_user(text, "text")
        self._start_reply("llm")

    def contextual_update(self, text: str) -> None:
        """Information for the agent that asks for no reply."""
        if text.strip():
            self._messages.append(ChatMessage("system", f"Context update: {text}"))

    def user_activity(self) -> None:
        """The user is present (typing, say): postpone the inactivity timers."""
        self._touch(user=True)

    def client_tool_result(self, tool_call_id: str, result: str, is_error: bool) -> None:
        """The client's answer to a `client_tool_call`."""
        waiter = self._tool_waiters.get(tool_call_id)
        if waiter is not None and not waiter.done():
            waiter.set_result((result, is_error))

    def pong(self, event_id: int) -> None:
        """The client answered a ping: measure the round trip."""
        sent = self._pings_sent.pop(event_id, None)
        if sent is not None:
            self._ping_ms = round((self._loop.time() - sent) * 1000)

    def feedback(self, event_id: int, score: Literal["like", "dislike"] | None) -> None:
        """The user rated a response."""
        self._log.feedback(event_id, score)

    # --- audio path ----------------------------------------------------------------------

    async def _on_frame(self, frame: Frame) -> None:
        if self._recorder is not None:
            self._recorder.user(frame)
        probability = await self._vad.process(frame)
        self._frame_count += 1
        if (
            self._frame_count % _VAD_SCORE_EVERY_FRAMES == 0
            and "vad_score" in self.setup.client_events
        ):
            await self._emit(VadScore(score=round(probability, 3)))
        signal = self._turns.update(probability)
        if self._turns.in_utterance:
            if signal is TurnSignal.SPEECH_STARTED:
                self._prefill()
                for early in self._preroll:
                    self._stt.push(early)
                self._preroll.clear()
            self._stt.push(frame)
            self._touch(user=True)
            if self._partial is not None:
                partial, self._partial = self._partial, None
                await self._emit(TentativeUserTranscript(text=partial, event_id=self._event_id))
        else:
            self._preroll.append(frame)
        if signal is TurnSignal.SPEECH_CONFIRMED and self._interruptible():
            await self._interrupt()
        elif signal is TurnSignal.PAUSED:
            self._speculate(self._loop.time() - self.setup.turn_policy.pause_ms / 1000)
        elif signal is TurnSignal.RESUMED:
            await self._drop_speculation()
        elif signal is TurnSignal.TURN_ENDED:
            reply = self._reply
            if reply is not None and reply.speculative and not reply.committed:
                await self._commit(reply)
            else:
                silence = self.setup.turn_policy.end_of_turn_silence_ms / 1000
                self._start_reply("llm", from_audio=True, speech_end=self._loop.time() - silence)
        elif signal is TurnSignal.NOISE_DISCARDED:
            self._stt.reset()

    def _interruptible(self) -> bool:
        reply = self._reply
        return reply is None or reply.kind != "fixed" or self.setup.first_message_interruptible

    def _on_partial(self, text: str) -> None:
        # Called from inside `push`; the frame loop emits it right after.
        if "tentative_user_transcript" in self.setup.client_events:
            self._partial = text

    # --- replies -------------------------------------------------------------------------

    def _start_reply(
        self,
        kind: ReplyKind,
        *,
        fixed_text: str = "",
        from_audio: bool = False,
        speculative: bool = False,
        speech_end: float | None = None,
    ) -> None:
        # A reply still playing here could not be interrupted (an uninterruptible first
        # message): the new one waits for it rather than talking over it.
        playing = self._reply.task if self._reply is not None else None
        reply = Reply(event_id=0, kind=kind, fixed_text=fixed_text, after=playing)
        reply.speculative = speculative
        if speech_end is not None:
            reply.marks["speech_end"] = speech_end
        if not speculative:
            reply.turn_over.set()
            reply.released.set()
        self._reply = reply
        reply.task = asyncio.create_task(self._run_reply(reply, from_audio), name="reply")

    # --- speculation ---------------------------------------------------------------------

    def _prefill(self) -> None:
        """While the user speaks, let a local model evaluate the conversation so far."""
        llm = self._pipeline.llm
        if not isinstance(llm, Prefills) or self._reply is not None:
            return
        if self._prefilling is not None and not self._prefilling.done():
            return
        self._prefilling = asyncio.create_task(self._run_prefill(llm), name="llm-prefill")

    async def _run_prefill(self, llm: Prefills) -> None:
        try:
            await llm.prefill(self._llm_request())
        except Exception as exc:  # only an optimisation: a failure costs nothing else
            logger.debug("prefill failed: %s", exc)

    def _speculate(self, speech_end: float) -> None:
        """The user paused: start replying now, in case this pause ends the turn."""
        if self._reply is None and not self.setup.text_only and self.setup.speculative_replies:
            self._start_reply("llm", from_audio=True, speculative=True, speech_end=speech_end)

    async def _drop_speculation(self) -> None:
        """The user went on: the speculative reply was premature (its audio stays queued)."""
        reply = self._reply
        if reply is None or not reply.speculative or reply.committed:
            return
        self._reply = None
        if reply.task is not None:
            reply.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reply.task
        del self._messages[reply.speculation_start :]

    async def _commit(self, reply: Reply) -> None:
        """The turn did end at that pause: the speculative reply becomes the reply."""
        reply.turn_over.set()
        reply.mark("turn_over")
        if reply.user_text is not None:
            # Its transcript covers the whole utterance: what followed the pause was silence.
            self._stt.reset()
        await self._publish_user_turn(reply)

    async def _publish_user_turn(self, reply: Reply) -> None:
        """Show and log the user's turn once it is both transcribed and over."""
        if reply.user_published or reply.user_text is None or not reply.committed:
            return
        reply.user_published = True
        await self._emit(UserTranscript(text=reply.user_text, event_id=self._next_event_id()))
        self._log_user(reply.user_text, "audio")
        # The response's id follows its user turn's, as for a reply that was not speculative.
        reply.event_id = self._next_event_id()
        reply.released.set()

    async def _run_reply(self, reply: Reply, from_audio: bool) -> None:
        try:
            if reply.after is not None and not reply.after.done():
                await asyncio.wait([reply.after])
            if from_audio and reply.speculative:
                reply.speculation_start = len(self._messages)
                preview = await self._stt.preview()
                reply.mark("transcript")
                if preview is None:
                    # The recognizer cannot tell early: wait for the turn's end as usual.
                    await reply.turn_over.wait()
                    preview = await self._stt.finish()
                if not preview:
                    if reply.committed:
                        self._stt.reset()  # noise, not words: the turn is over all the same
                    if self._reply is reply:
                        self._reply = None
                    return
                reply.user_text = preview
                if reply.committed:
                    self._stt.reset()  # the turn ended while the preview was being made
                self._messages.append(ChatMessage("user", preview))
                await self._publish_user_turn(reply)
            elif from_audio:
                reply.mark("turn_over")
                text = await self._stt.finish()
                reply.mark("transcript")
                if not text:
                    self._reply = None
                    return
                await self._emit(UserTranscript(text=text, event_id=self._next_event_id()))
                self._record_user(text, "audio")
            if not reply.speculative:
                reply.event_id = self._next_event_id()
            reply.context_start = len(self._messages)
            if reply.kind == "fixed":
                spans = split_voice_markup(reply.fixed_text, self.setup.voices)
                reply.text = "".join(span.text for span in spans)
                self._messages.append(ChatMessage("assistant", reply.text))
                await self._send_response_text(reply)
                await self._speak_all(reply, spans)
            else:
                await self._generate(reply)
            await self._finish_reply(reply)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._reply_failed(reply, exc)

    async def _reply_failed(self, reply: Reply, exc: Exception) -> None:
        """A provider failed mid-reply: say so, keep what was said, apologise, go on."""
        if isinstance(exc, ProviderError):
            logger.warning("reply failed: %s: %s", exc.error_type, exc.message)
            error_type, message = exc.error_type, exc.message
        else:
            logger.exception("reply failed")
            error_type, message = "llm_error", f"The reply failed: {exc}"
        if reply.committed and reply.audio_started:
            # Let what was already sent play out (a barge-in still interrupts it), so the
            # transcript keeps exactly what the user heard.
            remaining = reply.pacer.sent_secs - reply.pacer.played_secs()
            if remaining > 0:
                await asyncio.sleep(remaining)
        if self._reply is reply:
            self._reply = None
        if reply.speculative and not reply.committed:
            # A premature start failed, unseen: the turn's end starts the reply afresh.
            del self._messages[reply.speculation_start :]
            return
        await self._emit(ErrorEvent(error_type=error_type, message=message))
        if reply.speculative and not reply.user_published:
            del self._messages[reply.speculation_start :]
        # Whatever the user already saw or heard of this reply stays in the transcript.
        said = reply.text if self.setup.text_only else reply.heard() if reply.audio_started else ""
        del self._messages[reply.context_start :]
        if said:
            self._messages.append(ChatMessage("assistant", said))
            turn = self._agent_turn(reply, said)
            turn.interrupted = said != reply.text
            self._log.add(turn)
        # A failed apology, or a voice that cannot speak, gets no spoken apology of its own.
        if self._ending or reply.kind == "fixed" or error_type == "tts_cascade_error":
            return
        self._start_reply("fixed", fixed_text=self.setup.fallback_message)

    async def _generate(self, reply: Reply) -> None:
        """LLM tokens → sentences → speech, with tool calls, until the model is done."""
        if reply.kind == "reengage":
            self._messages.append(ChatMessage("system", _REENGAGE_PROMPT))
        for _ in range(_MAX_TOOL_ROUNDS):
            hanging_up = reply.hang_up_after
            calls = await self._stream_round(reply)
            if not calls or hanging_up:
                # After end_call the model has had its round to say goodbye.
                return
            await self._run_tools(reply, calls)

    async def _stream_round(self, reply: Reply) -> list[ToolCall]:
        segments: asyncio.Queue[tuple[str | None, str] | None] = asyncio.Queue()
        chunker = VoicedSegments()
        markup = VoiceMarkupSplitter(self.setup.voices) if self.setup.voices else None
        calls: list[ToolCall] = []
        round_text = ""
        reply.round_start = True
        speaker = (
            None if self.setup.text_only else asyncio.create_task(self._speaker(reply, segments))
        )
        try:
            try:
                events = self._pipeline.llm.stream(self._llm_request())
                async for event in events:
                    if isinstance(event, TextDelta):
                        reply.mark("llm_first_token")
                        spans = markup.push(event.text) if markup else [VoiceSpan(None, event.text)]
                        for span in spans:
                            round_text += await self._take_text(reply, span, chunker, segments)
                    elif isinstance(event, ToolCall):
                        calls.append(event)
                    elif isinstance(event, Usage):
                        self._log.usage(event)
            except ProviderError:
                # Sentences the model finished before failing are still worth saying.
                if speaker is not None and not speaker.done() and reply.committed:
                    segments.put_nowait(None)
                    await speaker
                raise
            for span in markup.flush() if markup else ():
                round_text += await self._take_text(reply, span, chunker, segments)
            for segment in chunker.flush():
                reply.mark("llm_first_segment")
                segments.put_nowait(segment)
            segments.put_nowait(None)
            if round_text or not calls:
                self._messages.append(ChatMessage("assistant", round_text, tool_calls=tuple(calls)))
            elif calls:
                self._messages.append(ChatMessage("assistant", "", tool_calls=tuple(calls)))
            if not calls:
                await self._send_response_text(reply)
            if speaker is not None:
                await speaker
        finally:
            if speaker is not None and not speaker.done():
                speaker.cancel()
        return calls

    async def _take_text(
        self,
        reply: Reply,
        span: VoiceSpan,
        chunker: VoicedSegments,
        segments: "asyncio.Queue[tuple[str | None, str] | None]",
    ) -> str:
        """Account for a span of reply text (markup already gone); returns the text added."""
        text = span.text
        if not text:
            return ""
        if reply.round_start and reply.text and not reply.text[-1].isspace():
            reply.text += " "  # a new round after a tool call goes on the text
        reply.round_start = False
        reply.text += text
        await self._chat_part(reply, text)
        for segment in chunker.push(span.label, text):
            reply.mark("llm_first_segment")
            segments.put_nowait(segment)
        return text

    async def _speaker(
        self, reply: Reply, segments: "asyncio.Queue[tuple[str | None, str] | None]"
    ) -> None:
        while (segment := await segments.get()) is not None:
            label, text = segment
            await self._speak(reply, text, label)

    async def _speak_all(self, reply: Reply, spans: list[VoiceSpan]) -> None:
        if self.setup.text_only:
            return
        for span in spans:
            if span.text.strip():
                await self._speak(reply, span.text.strip(), span.label)

    async def _speak(self, reply: Reply, text: str, label: str | None = None) -> None:
        spoken = SpokenSegment(text)
        reply.segments.append(spoken)
        rate = self._pipeline.tts.sample_rate
        async for chunk in self._pipeline.tts.synthesize(text, self.setup.voice_for(label)):
            if chunk.size == 0:
                continue
            reply.mark("tts_first_chunk")
            await reply.released.wait()
            seconds = chunk.size / rate
            await reply.pacer.before_send(seconds)
            spoken.audio_secs += seconds
            if self._recorder is not None and reply.pacer.started_at is not None:
                starts = reply.pacer.started_at + reply.pacer.sent_secs - seconds
                self._recorder.agent(chunk, starts - self._started_at)
            await self._emit(AgentAudio(audio=self._encoder.encode(chunk), event_id=reply.event_id))
            if "first_audio" not in reply.marks:
                reply.mark("first_audio")
                _log_timings(reply)
        spoken.complete = True

    async def _chat_part(self, reply: Reply, text: str) -> None:
        if not self.setup.text_only:
            return
        if not reply.chat_started:
            reply.chat_started = True
            await self._emit(AgentChatResponsePart(text="", kind="start", event_id=reply.event_id))
        await self._emit(AgentChatResponsePart(text=text, kind="delta", event_id=reply.event_id))

    async def _send_response_text(self, reply: Reply) -> None:
        await reply.released.wait()
        if reply.response_sent or not reply.text:
            return
        reply.response_sent = True
        if reply.chat_started:
            await self._emit(AgentChatResponsePart(text="", kind="stop", event_id=reply.event_id))
        await self._emit(AgentResponse(text=reply.text, event_id=reply.event_id))

    async def _finish_reply(self, reply: Reply) -> None:
        await reply.released.wait()
        # Let the listener hear the tail of the audio before the turn counts as over.
        remaining = reply.pacer.sent_secs - reply.pacer.played_secs()
        if remaining > 0:
            await asyncio.sleep(remaining)
        if self._reply is reply:
            self._reply = None
        if reply.text:
            self._log.add(self._agent_turn(reply, reply.text))
        self._touch(user=False)
        if reply.hang_up_after:
            await self.end("end_call tool was called")

    # --- tools ---------------------------------------------------------------------------

    async def _run_tools(self, reply: Reply, calls: list[ToolCall]) -> None:
        """Run the round's tool calls and put their results in the model's context."""
        # Tools act on the world: never before the user's turn is really over.
        await reply.released.wait()
        for call in calls:
            reply.tool_calls.append(
                {"type": None, "request_id": call.id, "tool_name": call.name,
                 "params_as_json": _json(call.arguments), "tool_has_been_called": True}
            )  # fmt: skip
            result, is_error = await self._call_tool(reply, call)
            reply.tool_results.append(
                {"request_id": call.id, "tool_name": call.name, "result_value": result,
                 "is_error": is_error, "tool_has_been_called": True}
            )  # fmt: skip
            self._messages.append(ChatMessage("tool", result, tool_call_id=call.id))

    async def _call_tool(self, reply: Reply, call: ToolCall) -> tuple[str, bool]:
        tool = self.setup.tool(call.name)
        if tool is None:
            return f"There is no tool called {call.name}.", True
        reply.tool_calls[-1]["type"] = tool.type
        if tool.type == "system" and tool.system_tool_type == "end_call":
            reply.hang_up_after = True
            await self._emit(
                AgentToolResponse(
                    tool_name=call.name, tool_call_id=call.id, tool_type="system",
                    is_error=False, event_id=reply.event_id,
                )
            )  # fmt: skip
            return "The call will end after this message.", False
        if tool.type != "client":
            return f"Tools of type {tool.type} are not available in this conversation.", True
        await self._emit(
            ClientToolCall(
                tool_name=call.name, tool_call_id=call.id, parameters=call.arguments,
                event_id=reply.event_id,
            )
        )  # fmt: skip
        if not tool.expects_response:
            return f"Client tool {call.name} was called.", False
        waiter: asyncio.Future[tuple[str, bool]] = self._loop.create_future()
        self._tool_waiters[call.id] = waiter
        try:
            return await asyncio.wait_for(waiter, tool.response_timeout_secs)
        except TimeoutError:
            return f"Client tool {call.name} did not answer in time.", True
        finally:
            self._tool_waiters.pop(call.id, None)

    # --- interruption --------------------------------------------------------------------

    async def _interrupt(self, *, announce: bool = True) -> None:
        """Stop the reply in flight; keep in the transcript only what the user heard."""
        reply = self._reply
        if reply is None or reply.task is None:
            return
        if reply.speculative and not reply.committed:
            await self._drop_speculation()
            return
        self._reply = None
        reply.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reply.task
        # A new resampler: the old one holds the tail of audio nobody will hear.
        self._encoder = OutputEncoder(self._pipeline.tts.sample_rate, self.setup.output_format)
        if not reply.text:
            return
        # Streamed text was shown in full; speech counts only as far as it was played.
        heard = reply.text if self.setup.text_only else reply.heard() if reply.audio_started else ""
        if announce and reply.audio_started:
            await self._emit(Interruption(event_id=reply.event_id))
            if not reply.response_sent:
                reply.response_sent = True
                await self._emit(AgentResponse(text=reply.text, event_id=reply.event_id))
            if heard != reply.text:
                await self._emit(
                    AgentResponseCorrection(
                        original=reply.text, corrected=heard, event_id=reply.event_id
                    )
                )
        # The model's next context holds what was heard, not what was generated; the
        # interrupted generation's tool exchanges go with it.
        del self._messages[reply.context_start :]
        if heard:
            self._messages.append(ChatMessage("assistant", heard))
            turn = self._agent_turn(reply, heard)
            turn.interrupted = heard != reply.text
            turn.original_message = reply.text if turn.interrupted else None
            self._log.add(turn)

    # --- timers --------------------------------------------------------------------------

    async def _watch(self) -> None:
        setup = self.setup
        while not self._ending:
            await asyncio.sleep(_WATCHDOG_SECS)
            now = self._loop.time()
            if now - self._started_at >= setup.max_duration_secs:
                await self._emit(
                    ErrorEvent(
                        error_type="max_duration_exceeded",
                        message=f"The conversation reached its maximum duration of "
                        f"{setup.max_duration_secs:g} seconds.",
                    )
                )
                await self.end("max_duration_exceeded")
                return
            if now >= self._next_ping:
                await self._send_ping(now)
            if self._reply is not None or self._turns.in_utterance:
                continue
            silent = now - self._last_user_activity
            if 0 < setup.silence_end_call_timeout_secs <= silent:
                await self.end("silence_end_call_timeout")
                return
            if 0 < setup.turn_timeout_secs <= now - self._last_activity:
                self._touch(user=False)
                self._start_reply("reengage")

    async def _send_ping(self, now: float) -> None:
        self._ping_id += 1
        self._pings_sent[self._ping_id] = now
        # Forget pings nobody answered, so a silent client cannot grow this dict.
        for stale in [k for k in self._pings_sent if k < self._ping_id - 5]:
            del self._pings_sent[stale]
        self._next_ping = now + self.setup.ping_interval_secs
        await self._emit(Ping(event_id=self._ping_id, ping_ms=self._ping_ms))

    # --- helpers -------------------------------------------------------------------------

    async def _emit(self, event: CoreEvent) -> None:
        name = event.client_event
        if name is not None and name not in ALWAYS_SENT and name not in self.setup.client_events:
            return
        await self._emit_raw(event)

    def _next_event_id(self) -> int:
        self._event_id += 1
        return self._event_id

    def _touch(self, *, user: bool) -> None:
        now = self._loop.time()
        self._last_activity = now
        if user:
            self._last_user_activity = now

    def _llm_request(self) -> LlmRequest:
        setup = self.setup
        system = [ChatMessage("system", setup.system_prompt)] if setup.system_prompt else []
        return LlmRequest(
            model=setup.llm_model,
            messages=[*system, *self._messages],
            tools=[tool.spec for tool in setup.tools],
            temperature=setup.temperature,
            max_tokens=setup.max_tokens,
            extra_body=setup.llm_extra_body,
        )

    def _record_user(self, text: str, medium: Literal["audio", "text"]) -> None:
        self._messages.append(ChatMessage("user", text))
        self._log_user(text, medium)

    def _log_user(self, text: str, medium: Literal["audio", "text"]) -> None:
        self._log.add(
            LoggedTurn(
                role="user",
                message=text,
                time_in_call_secs=int(self.elapsed()),
                source_medium=medium,
                event_id=self._event_id,
            )
        )

    def _agent_turn(self, reply: Reply, message: str) -> LoggedTurn:
        return LoggedTurn(
            role="agent",
            message=message,
            time_in_call_secs=int(self.elapsed()),
            tool_calls=reply.tool_calls,
            tool_results=reply.tool_results,
            event_id=reply.event_id,
        )


def _log_timings(reply: Reply) -> None:
    """One line per spoken reply: each milestone in ms after the end of the user's speech."""
    start = reply.marks.get("speech_end")
    if start is None or not timings_logger.isEnabledFor(logging.INFO):
        return
    timings = {name: round((at - start) * 1000) for name, at in reply.marks.items()}
    timings_logger.info("turn timings %s", _json({**timings, "speculative": reply.speculative}))


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
