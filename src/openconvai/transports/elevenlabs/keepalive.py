"""The ElevenLabs protocol's keep-alive: a `ping` every few seconds, its `pong` timed."""

import asyncio
from collections.abc import Awaitable, Callable

from openconvai.transports.elevenlabs.wire import encode_ping

_REMEMBERED_PINGS = 5


class Keepalive:
    """Sends pings through `send` every `interval_secs`; each carries the last round trip."""

    def __init__(self, send: Callable[[str], Awaitable[None]], interval_secs: float) -> None:
        self._send = send
        self._interval = interval_secs
        self._ping_id = 0
        self._sent: dict[int, float] = {}
        self.ping_ms: int | None = None

    async def run(self) -> None:
        """Ping until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._interval)
            self._ping_id += 1
            self._sent[self._ping_id] = loop.time()
            # Forget pings nobody answered, so a silent client cannot grow this dict.
            for stale in [k for k in self._sent if k < self._ping_id - _REMEMBERED_PINGS]:
                del self._sent[stale]
            await self._send(encode_ping(self._ping_id, self.ping_ms))

    def pong(self, event_id: int) -> None:
        """The client answered ping `event_id`: measure the round trip."""
        sent = self._sent.pop(event_id, None)
        if sent is not None:
            self.ping_ms = round((asyncio.get_running_loop().time() - sent) * 1000)
