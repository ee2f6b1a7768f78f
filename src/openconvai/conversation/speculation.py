"""Speculation: think while the user may still be finishing, so the reply is ready sooner.

While the user speaks, a local model evaluates the conversation so far (prefill). At the
user's first pause a reply starts, unseen; if the pause ends the turn it is committed and
goes out at once, and if the user goes on it is thrown away.
"""

import asyncio
import logging

from openconvai.conversation.context import CoreContext
from openconvai.conversation.replies import ReplyRunner
from openconvai.conversation.reply import Reply, ReplyPhase
from openconvai.providers.llm.base import Prefills

logger = logging.getLogger(__name__)


class Speculation:
    """Prefills and speculative replies of one conversation."""

    def __init__(self, ctx: CoreContext, replies: ReplyRunner) -> None:
        self._ctx = ctx
        self._replies = replies
        self._prefilling: asyncio.Task[None] | None = None

    def prefill(self) -> None:
        """While the user speaks, let a local model evaluate the conversation so far."""
        llm = self._ctx.pipeline.llm
        if not isinstance(llm, Prefills) or self._ctx.reply is not None:
            return
        if self._prefilling is not None and not self._prefilling.done():
            return
        self._prefilling = asyncio.create_task(self._run_prefill(llm), name="llm-prefill")

    async def _run_prefill(self, llm: Prefills) -> None:
        try:
            await llm.prefill(self._ctx.llm_request())
        except Exception as exc:  # only an optimisation: a failure costs nothing else
            logger.debug("prefill failed: %s", exc)

    def paused(self, speech_end: float) -> None:
        """The user paused: start replying now, in case this pause ends the turn."""
        ctx = self._ctx
        if ctx.reply is None and not ctx.setup.text_only and ctx.setup.speculative_replies:
            self._replies.start("llm", from_audio=True, speculative=True, speech_end=speech_end)

    async def resumed(self) -> None:
        """The user went on after the pause."""
        await self._replies.drop_speculation()

    def pending(self) -> Reply | None:
        """The speculative reply waiting for the turn to end, if there is one."""
        reply = self._ctx.reply
        if reply is not None and reply.speculative and not reply.committed:
            return reply
        return None

    async def commit(self, reply: Reply) -> None:
        """The turn did end at that pause: the speculative reply becomes the reply."""
        reply.advance(ReplyPhase.COMMITTED)
        reply.mark("turn_over")
        if reply.user_text is not None:
            # Its transcript covers the whole utterance: what followed the pause was silence.
            self._ctx.stt.reset()
        await self._replies.publish_user_turn(reply)

    def cancel(self) -> None:
        """The conversation is ending."""
        if self._prefilling is not None:
            self._prefilling.cancel()
