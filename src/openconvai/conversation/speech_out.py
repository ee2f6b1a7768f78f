"""A reply's way out: text parts and full text, and speech synthesized and paced in real time."""

import asyncio
import json
import logging

from openconvai.conversation.context import CoreContext
from openconvai.conversation.events import AgentAudio, AgentChatResponsePart, AgentResponse
from openconvai.conversation.heard_text import SpokenSegment
from openconvai.conversation.reply import Reply, ReplyPhase
from openconvai.conversation.sentences import VoicedSegments
from openconvai.conversation.voice_markup import VoiceSpan

timings_logger = logging.getLogger("openconvai.turn_timings")

# (voice label, text) to speak, or None once the round has no more.
Segments = asyncio.Queue[tuple[str | None, str] | None]


class RoundText:
    """Accounts for the text of one LLM round as it streams: shown, and cut into segments."""

    def __init__(self, out: "ReplyOutput", reply: Reply, segments: Segments) -> None:
        self._out = out
        self._reply = reply
        self._segments = segments
        self._chunker = VoicedSegments()
        self.text = ""

    async def take(self, span: VoiceSpan) -> None:
        """A span of reply text (markup already gone)."""
        text = span.text
        if not text:
            return
        reply = self._reply
        if not self.text and reply.text and not reply.text[-1].isspace():
            reply.text += " "  # a new round after a tool call goes on the text
        self.text += text
        reply.text += text
        await self._out.chat_part(reply, text)
        for segment in self._chunker.push(span.label, text):
            reply.mark("llm_first_segment")
            self._segments.put_nowait(segment)

    def flush(self) -> None:
        """The round's text is complete: queue what is left, then the end of the round."""
        for segment in self._chunker.flush():
            self._reply.mark("llm_first_segment")
            self._segments.put_nowait(segment)
        self._segments.put_nowait(None)


class ReplyOutput:
    """Sends a reply's text and speech."""

    def __init__(self, ctx: CoreContext) -> None:
        self._ctx = ctx

    async def speaker(self, reply: Reply, segments: Segments) -> None:
        """Speak queued segments in order until the round ends."""
        while (segment := await segments.get()) is not None:
            label, text = segment
            await self.speak(reply, text, label)

    async def speak_all(self, reply: Reply, spans: list[VoiceSpan]) -> None:
        """Speak a whole text (a fixed message), span by span."""
        if self._ctx.setup.text_only:
            return
        for span in spans:
            if span.text.strip():
                await self.speak(reply, span.text.strip(), span.label)

    async def speak(self, reply: Reply, text: str, label: str | None = None) -> None:
        """Synthesize `text` and send it paced in real time, once the reply is released."""
        ctx = self._ctx
        spoken = SpokenSegment(text)
        reply.segments.append(spoken)
        tts = ctx.pipeline.tts
        rate = tts.sample_rate
        async for chunk in tts.synthesize(text, ctx.setup.voice_for(label)):
            if chunk.size == 0:
                continue
            reply.mark("tts_first_chunk")
            await reply.wait_released()
            seconds = chunk.size / rate
            await reply.pacer.before_send(seconds)
            spoken.audio_secs += seconds
            if ctx.recorder is not None and reply.pacer.started_at is not None:
                starts = reply.pacer.started_at + reply.pacer.sent_secs - seconds
                ctx.recorder.agent(chunk, starts - ctx.started_at)
            await ctx.emit(AgentAudio(audio=chunk, event_id=reply.event_id, sample_rate=rate))
            if "first_audio" not in reply.marks:
                reply.mark("first_audio")
                _log_timings(reply)
        spoken.complete = True

    async def chat_part(self, reply: Reply, text: str) -> None:
        """Stream a piece of the reply's text (text conversations only)."""
        ctx = self._ctx
        if not ctx.setup.text_only:
            return
        if reply.phase < ReplyPhase.STREAMING:
            reply.advance(ReplyPhase.STREAMING)
            await ctx.emit(AgentChatResponsePart(text="", kind="start", event_id=reply.event_id))
        await ctx.emit(AgentChatResponsePart(text=text, kind="delta", event_id=reply.event_id))

    async def send_text(self, reply: Reply) -> None:
        """Send the reply's full text once (closing its streamed parts)."""
        await reply.wait_released()
        if reply.responded or not reply.text:
            return
        streaming = reply.phase == ReplyPhase.STREAMING
        reply.advance(ReplyPhase.RESPONDED)
        if streaming:
            await self._ctx.emit(
                AgentChatResponsePart(text="", kind="stop", event_id=reply.event_id)
            )
        await self._ctx.emit(AgentResponse(text=reply.text, event_id=reply.event_id))

    async def play_out(self, reply: Reply) -> None:
        """Wait until the listener has heard the audio already sent."""
        remaining = reply.pacer.sent_secs - reply.pacer.played_secs()
        if remaining > 0:
            await asyncio.sleep(remaining)


def _log_timings(reply: Reply) -> None:
    """One line per spoken reply: each milestone in ms after the end of the user's speech."""
    start = reply.marks.get("speech_end")
    if start is None or not timings_logger.isEnabledFor(logging.INFO):
        return
    timings = {name: round((at - start) * 1000) for name, at in reply.marks.items()}
    line = json.dumps({**timings, "speculative": reply.speculative}, separators=(",", ":"))
    timings_logger.info("turn timings %s", line)
