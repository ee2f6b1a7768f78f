"""Producing replies: LLM tokens → sentences → speech, tool rounds, failures and barge-in."""

import asyncio
import contextlib
import logging

from openconvai.conversation.context import CoreContext
from openconvai.conversation.events import (
    AgentResponse,
    AgentResponseCorrection,
    AgentToolRequest,
    AgentToolResponse,
    AgentToolResponseFullPayload,
    ErrorEvent,
    Interruption,
    UserTranscript,
)
from openconvai.conversation.log import ToolCallRecord
from openconvai.conversation.reply import Reply, ReplyKind, ReplyPhase
from openconvai.conversation.setup import AgentTool
from openconvai.conversation.speech_out import ReplyOutput, RoundText, Segments
from openconvai.conversation.tool_port import ToolCallContext, ToolOutcome
from openconvai.conversation.voice_markup import VoiceMarkupSplitter, VoiceSpan, split_voice_markup
from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.base import ChatMessage, TextDelta, ToolCall, Usage

logger = logging.getLogger(__name__)

_REENGAGE_PROMPT = (
    "The user has not said anything for a while. Check briefly whether they are still there."
)


class ReplyRunner:
    """Starts, runs and stops the conversation's replies (one in flight at a time)."""

    def __init__(self, ctx: CoreContext) -> None:
        self._ctx = ctx
        self.out = ReplyOutput(ctx)

    def start(
        self,
        kind: ReplyKind,
        *,
        fixed_text: str = "",
        from_audio: bool = False,
        speculative: bool = False,
        speech_end: float | None = None,
    ) -> Reply:
        """Start a reply in a task of its own; it becomes the conversation's current one."""
        ctx = self._ctx
        # A reply still playing here could not be interrupted (an uninterruptible first
        # message): the new one waits for it rather than talking over it.
        playing = ctx.reply.task if ctx.reply is not None else None
        reply = Reply(
            event_id=0,
            kind=kind,
            fixed_text=fixed_text,
            after=playing,
            speculative=speculative,
            agent_id=ctx.setup.agent_id,
        )
        if speech_end is not None:
            reply.marks["speech_end"] = speech_end
        ctx.reply = reply
        reply.task = asyncio.create_task(self._run(reply, from_audio), name="reply")
        return reply

    async def publish_user_turn(self, reply: Reply) -> None:
        """Show and log the user's turn once it is both transcribed and over."""
        if reply.released or reply.user_text is None or not reply.committed:
            return
        ctx = self._ctx
        await ctx.emit(UserTranscript(text=reply.user_text, event_id=ctx.next_event_id()))
        ctx.log_user(reply.user_text, "audio")
        # The response's id follows its user turn's, as for a reply that was not speculative.
        reply.event_id = ctx.next_event_id()
        reply.advance(ReplyPhase.RELEASED)

    async def _run(self, reply: Reply, from_audio: bool) -> None:
        ctx = self._ctx
        try:
            if reply.after is not None and not reply.after.done():
                await asyncio.wait([reply.after])
            if from_audio and reply.speculative:
                if not await self._hear_speculatively(reply):
                    return
            elif from_audio:
                reply.mark("turn_over")
                text = await ctx.stt.finish()
                reply.mark("transcript")
                if not text:
                    ctx.reply = None
                    return
                await ctx.emit(UserTranscript(text=text, event_id=ctx.next_event_id()))
                ctx.record_user(text, "audio")
            if not reply.speculative:
                reply.event_id = ctx.next_event_id()
            reply.context_start = len(ctx.messages)
            if reply.kind == "fixed":
                spans = split_voice_markup(reply.fixed_text, ctx.setup.voices)
                reply.text = "".join(span.text for span in spans)
                ctx.messages.append(ChatMessage("assistant", reply.text))
                await self.out.send_text(reply)
                await self.out.speak_all(reply, spans)
            else:
                await self._generate(reply)
            await self._finish(reply)
            if reply.then_say and not ctx.ending:
                self.start("fixed", fixed_text=reply.then_say)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._failed(reply, exc)

    async def _hear_speculatively(self, reply: Reply) -> bool:
        """The user's words for a reply started at a pause; False if there were none."""
        ctx = self._ctx
        reply.speculation_start = len(ctx.messages)
        preview = await ctx.stt.preview()
        reply.mark("transcript")
        if preview is None:
            # The recognizer cannot tell early: wait for the turn's end as usual.
            await reply.wait_turn_over()
            preview = await ctx.stt.finish()
        if not preview:
            if reply.committed:
                ctx.stt.reset()  # noise, not words: the turn is over all the same
            if ctx.reply is reply:
                ctx.reply = None
            return False
        reply.user_text = preview
        if reply.committed:
            ctx.stt.reset()  # the turn ended while the preview was being made
        ctx.messages.append(ChatMessage("user", preview))
        await self.publish_user_turn(reply)
        return True

    async def _failed(self, reply: Reply, exc: Exception) -> None:
        """A provider failed mid-reply: say so, keep what was said, apologise, go on."""
        ctx = self._ctx
        if isinstance(exc, ProviderError):
            logger.warning("reply failed: %s: %s", exc.error_type, exc.message)
            error_type, message = exc.error_type, exc.message
        else:
            logger.exception("reply failed")
            error_type, message = "llm_error", f"The reply failed: {exc}"
        if reply.committed and reply.audio_started:
            # Let what was already sent play out (a barge-in still interrupts it), so the
            # transcript keeps exactly what the user heard.
            await self.out.play_out(reply)
        if ctx.reply is reply:
            ctx.reply = None
        if reply.speculative and not reply.committed:
            # A premature start failed, unseen: the turn's end starts the reply afresh.
            del ctx.messages[reply.speculation_start :]
            return
        await ctx.emit(ErrorEvent(error_type=error_type, message=message))
        if reply.speculative and not reply.released:
            del ctx.messages[reply.speculation_start :]
        # Whatever the user already saw or heard of this reply stays in the transcript.
        said = reply.text if ctx.setup.text_only else reply.heard() if reply.audio_started else ""
        del ctx.messages[reply.context_start :]
        if said:
            ctx.messages.append(ChatMessage("assistant", said))
            turn = ctx.agent_turn(reply, said)
            turn.interrupted = said != reply.text
            ctx.log.add(turn)
        # A failed apology, or a voice that cannot speak, gets no spoken apology of its own.
        if ctx.ending or reply.kind == "fixed" or error_type == "tts_cascade_error":
            return
        self.start("fixed", fixed_text=ctx.setup.fallback_message)

    async def _generate(self, reply: Reply) -> None:
        """LLM rounds until the model is done (or a tool ends the turn)."""
        if reply.kind == "reengage":
            self._ctx.messages.append(ChatMessage("system", _REENGAGE_PROMPT))
        rounds = 0
        while True:
            ending = reply.then_end is not None
            # Past the round limit the model must answer with what it has: no tools offered.
            with_tools = rounds < self._ctx.setup.max_tool_rounds
            calls = await self._stream_round(reply, with_tools=with_tools)
            if not calls or ending or not with_tools:
                # After end_call the model has had its round to say goodbye.
                return
            rounds += 1
            if not await self._run_tools(reply, calls):
                return

    async def _stream_round(self, reply: Reply, *, with_tools: bool = True) -> list[ToolCall]:
        ctx = self._ctx
        segments: Segments = asyncio.Queue()
        markup = VoiceMarkupSplitter(ctx.setup.voices) if ctx.setup.voices else None
        calls: list[ToolCall] = []
        round_text = RoundText(self.out, reply, segments)
        speaker = (
            None if ctx.setup.text_only else asyncio.create_task(self.out.speaker(reply, segments))
        )
        try:
            try:
                async for event in ctx.pipeline.llm.stream(ctx.llm_request(with_tools)):
                    if isinstance(event, TextDelta):
                        reply.mark("llm_first_token")
                        spans = markup.push(event.text) if markup else [VoiceSpan(None, event.text)]
                        for span in spans:
                            await round_text.take(span)
                    elif isinstance(event, ToolCall) and with_tools:
                        calls.append(event)
                    elif isinstance(event, Usage):
                        ctx.log.usage(event)
            except ProviderError:
                # Sentences the model finished before failing are still worth saying.
                if speaker is not None and not speaker.done() and reply.committed:
                    segments.put_nowait(None)
                    await speaker
                raise
            for span in markup.flush() if markup else ():
                await round_text.take(span)
            round_text.flush()
            ctx.messages.append(ChatMessage("assistant", round_text.text, tool_calls=tuple(calls)))
            if not calls:
                await self.out.send_text(reply)
            if speaker is not None:
                await speaker
        finally:
            if speaker is not None and not speaker.done():
                speaker.cancel()
        return calls

    async def _run_tools(self, reply: Reply, calls: list[ToolCall]) -> bool:
        """Run a round's calls (at once, when there are several) and put their results in
        the model's context. False when a tool ended the turn (the LLM is not asked again).
        """
        ctx = self._ctx
        # Tools act on the world: never before the user's turn is really over.
        await reply.wait_released()
        tools = [ctx.setup.tool(call.name) for call in calls]
        filler = None
        if any(tool is not None and tool.force_pre_tool_speech for tool in tools):
            # Said while the tools run, so a slow one is not met with silence.
            filler = asyncio.create_task(self._pre_tool_speech(reply), name="pre-tool-speech")
        records = [
            ToolCallRecord(
                call.id, call.name, call.arguments, tool_type=tool.type if tool else None
            )
            for call, tool in zip(calls, tools, strict=True)
        ]
        reply.tool_calls.extend(records)
        held = any(tool is not None and tool.disable_interruptions for tool in tools)
        reply.uninterruptible += held
        try:
            outcomes = await asyncio.gather(
                *(
                    self._run_tool(reply, c, t, r)
                    for c, t, r in zip(calls, tools, records, strict=True)
                )
            )
            if filler is not None:
                await filler
        finally:
            if filler is not None and not filler.done():
                filler.cancel()
            reply.uninterruptible -= held
        go_on = True
        for call, outcome in zip(calls, outcomes, strict=True):
            if outcome.then_end is not None:
                reply.then_end = outcome.then_end
            go_on = go_on and outcome.continue_reply
            ctx.variables.update(outcome.variable_updates)
            ctx.messages.append(ChatMessage("tool", outcome.result, tool_call_id=call.id))
        for outcome in outcomes:
            if outcome.switch is not None:
                # Another language or agent from here on; what it says first comes next.
                ctx.switch_to(outcome.switch)
                if outcome.switch.say:
                    reply.then_say = outcome.switch.say
                    go_on = False
        return go_on

    async def _run_tool(
        self, reply: Reply, call: ToolCall, tool: AgentTool | None, record: ToolCallRecord
    ) -> ToolOutcome:
        ctx = self._ctx
        server_side = tool is not None and tool.type != "client"
        kind = tool.type if tool is not None else "system"
        if server_side:
            await ctx.emit(AgentToolRequest(call.name, call.id, kind, reply.event_id))
        context = ToolCallContext(
            conversation_id=ctx.setup.conversation_id,
            agent_id=ctx.setup.agent_id,
            event_id=reply.event_id,
            emit=ctx.emit,
            client_results=ctx.client_results,
            approvals=ctx.approvals,
            variables=dict(ctx.variables),
            secret=ctx.secret,
            setup=ctx.setup,
            handover=ctx.handover,
        )
        started = ctx.loop.time()
        outcome = await ctx.tools.run(call, tool, context)
        record.result, record.is_error = outcome.result, outcome.is_error
        record.details = outcome.details
        record.latency_secs = ctx.loop.time() - started
        if server_side:
            await ctx.emit(
                AgentToolResponse(call.name, call.id, kind, outcome.is_error, reply.event_id)
            )
            await ctx.emit(
                AgentToolResponseFullPayload(
                    call.name, call.id, kind, outcome.is_error, reply.event_id,
                    full_tool_result=outcome.full_result or outcome.result,
                )
            )  # fmt: skip
        return outcome

    async def _pre_tool_speech(self, reply: Reply) -> None:
        """Say a short filler before a slow tool, unless the model already said something."""
        if reply.text.strip():
            return
        filler = self._ctx.setup.pre_tool_speech
        reply.text = filler
        if self._ctx.setup.text_only:
            return
        await self.out.speak(reply, filler)

    async def _finish(self, reply: Reply) -> None:
        ctx = self._ctx
        await reply.wait_released()
        # Let the listener hear the tail of the audio before the turn counts as over.
        await self.out.play_out(reply)
        if ctx.reply is reply:
            ctx.reply = None
        if reply.text or reply.tool_calls:
            # A turn that only ran tools (a skipped turn, a switch) still holds its calls.
            ctx.log.add(ctx.agent_turn(reply, reply.text))
        ctx.touch(user=False)
        if reply.then_end is not None:
            await ctx.end(reply.then_end)

    async def drop_speculation(self) -> None:
        """The user went on: the speculative reply was premature (its audio stays queued)."""
        ctx = self._ctx
        reply = ctx.reply
        if reply is None or not reply.speculative or reply.committed:
            return
        ctx.reply = None
        if reply.task is not None:
            reply.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reply.task
        del ctx.messages[reply.speculation_start :]

    async def interrupt(self, *, announce: bool = True) -> None:
        """Stop the reply in flight; keep in the transcript only what the user heard."""
        ctx = self._ctx
        reply = ctx.reply
        if reply is None or reply.task is None:
            return
        if reply.speculative and not reply.committed:
            await self.drop_speculation()
            return
        ctx.reply = None
        reply.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reply.task
        if not reply.text:
            return
        # Streamed text was shown in full; speech counts only as far as it was played.
        heard = reply.text if ctx.setup.text_only else reply.heard() if reply.audio_started else ""
        if announce and reply.audio_started:
            await ctx.emit(Interruption(event_id=reply.event_id))
            if not reply.responded:
                reply.advance(ReplyPhase.RESPONDED)
                await ctx.emit(AgentResponse(text=reply.text, event_id=reply.event_id))
            if heard != reply.text:
                await ctx.emit(
                    AgentResponseCorrection(
                        original=reply.text, corrected=heard, event_id=reply.event_id
                    )
                )
        # The model's next context holds what was heard, not what was generated; the
        # interrupted generation's tool exchanges go with it.
        del ctx.messages[reply.context_start :]
        if heard:
            ctx.messages.append(ChatMessage("assistant", heard))
            turn = ctx.agent_turn(reply, heard)
            turn.interrupted = heard != reply.text
            turn.original_message = reply.text if turn.interrupted else None
            ctx.log.add(turn)
