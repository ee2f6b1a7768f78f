"""Admission control: how many conversations a workspace or agent may hold at once.

In one process a counter is enough; with Redis configured the count is shared by every
server process, and a crashed process's slots expire on their own.
"""

import asyncio
import contextlib
import time
from typing import Protocol

import redis.asyncio as redis


class Admission(Protocol):
    """Slots of limited capacity, taken per conversation and given back when it ends."""

    async def acquire(self, key: str, holder: str, limit: int) -> bool:
        """Take a slot under `key` for `holder`; False when `limit` are taken."""
        ...

    async def release(self, key: str, holder: str) -> None:
        """Give the slot back."""
        ...

    async def close(self) -> None:
        """Stop background work and release connections."""
        ...


class LocalAdmission:
    """Slots counted in this process."""

    def __init__(self) -> None:
        self._held: dict[str, set[str]] = {}

    async def acquire(self, key: str, holder: str, limit: int) -> bool:
        """Take a slot if fewer than `limit` are held."""
        held = self._held.setdefault(key, set())
        if len(held) >= limit:
            return False
        held.add(holder)
        return True

    async def release(self, key: str, holder: str) -> None:
        """Give the slot back."""
        self._held.get(key, set()).discard(holder)

    async def close(self) -> None:
        """Nothing to stop."""


# Atomically: forget expired slots, and take one if fewer than the limit remain.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


class RedisAdmission:
    """Slots in Redis sorted sets scored by expiry, kept alive by a heartbeat while held."""

    def __init__(self, url: str, prefix: str, ttl_secs: float = 30.0) -> None:
        self._redis: redis.Redis = redis.Redis.from_url(url)
        self._prefix = prefix
        self._ttl = ttl_secs
        self._held: set[tuple[str, str]] = set()
        self._script = self._redis.register_script(_ACQUIRE)
        self._heartbeat: asyncio.Task[None] | None = None

    async def acquire(self, key: str, holder: str, limit: int) -> bool:
        """Take a slot if fewer than `limit` live ones are held across all processes."""
        now = time.time()
        taken = await self._script(
            keys=[self._key(key)],
            args=[now, now + self._ttl, limit, holder, int(self._ttl * 4)],
        )
        if not taken:
            return False
        self._held.add((key, holder))
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat(), name="admission-heartbeat")
        return True

    async def release(self, key: str, holder: str) -> None:
        """Give the slot back."""
        self._held.discard((key, holder))
        await self._redis.zrem(self._key(key), holder)

    async def close(self) -> None:
        """Stop the heartbeat and close the connection pool."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        await self._redis.aclose()

    def _key(self, key: str) -> str:
        return f"{self._prefix}:slots:{key}"

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            expiry = time.time() + self._ttl
            for key, holder in list(self._held):
                with contextlib.suppress(redis.RedisError):
                    await self._redis.zadd(self._key(key), {holder: expiry}, xx=True)
