"""The conversation's clocks: maximum duration, silence that ends the call, re-engaging."""

import asyncio

from openconvai.conversation.context import CoreContext
from openconvai.conversation.events import EndReason, ErrorEvent
from openconvai.conversation.replies import ReplyRunner
from openconvai.conversation.turn_taking import TurnDetector

WATCHDOG_SECS = 0.1


class Watchdog:
    """Checks the conversation's timers every `WATCHDOG_SECS` until it ends."""

    def __init__(self, ctx: CoreContext, replies: ReplyRunner, turns: TurnDetector) -> None:
        self._ctx = ctx
        self._replies = replies
        self._turns = turns

    async def run(self) -> None:
        """Run until the conversation ends (or ends it)."""
        ctx = self._ctx
        setup = ctx.setup
        while not ctx.ending:
            await asyncio.sleep(WATCHDOG_SECS)
            now = ctx.loop.time()
            if now - ctx.started_at >= setup.max_duration_secs:
                await ctx.emit(
                    ErrorEvent(
                        error_type="max_duration_exceeded",
                        message=f"The conversation reached its maximum duration of "
                        f"{setup.max_duration_secs:g} seconds.",
                    )
                )
                await ctx.end(EndReason.MAX_DURATION)
                return
            if ctx.reply is not None or self._turns.in_utterance:
                continue
            silent = now - ctx.last_user_activity
            if 0 < setup.silence_end_call_timeout_secs <= silent:
                await ctx.end(EndReason.SILENCE_TIMEOUT)
                return
            if 0 < setup.turn_timeout_secs <= now - ctx.last_activity:
                ctx.touch(user=False)
                self._replies.start("reengage")
