"""Real-time pacing of outgoing audio: a little ahead of playback, never much more.

Keeping little audio in flight is what makes barge-in immediate: the far end never holds
seconds of a reply the user has already cut off.
"""

import asyncio


class RealtimePacer:
    """Delays each chunk so sent audio leads the listener's playback by at most `lead_secs`."""

    def __init__(self, lead_secs: float = 0.25) -> None:
        self._lead = lead_secs
        self._started: float | None = None
        self.sent_secs = 0.0

    @property
    def started_at(self) -> float | None:
        """Loop time playback would have started at, had it run without a gap (None before
        the first chunk): `started_at + sent_secs` is when the audio sent so far ends."""
        return self._started

    async def before_send(self, chunk_secs: float) -> None:
        """Wait until a chunk of `chunk_secs` may be sent; then account for it."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._started is None:
            self._started = now
        ahead = self.sent_secs - (now - self._started)
        if ahead < 0:
            # Sending paused (a slow sentence, a tool call) and the listener heard it all:
            # that silence is no playback, so the clock restarts where the audio ended.
            self._started -= ahead
            ahead = 0.0
        if ahead > self._lead:
            await asyncio.sleep(ahead - self._lead)
        self.sent_secs += chunk_secs

    def played_secs(self) -> float:
        """How much of the sent audio the listener has heard by now."""
        if self._started is None:
            return 0.0
        elapsed = asyncio.get_running_loop().time() - self._started
        return max(0.0, min(self.sent_secs, elapsed))
