"""Bounded executors for model inference: never on the event loop, never an endless queue."""

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from openconvai.providers.errors import ProviderError

T = TypeVar("T")


class InferenceBusy(ProviderError):
    """The model's queue is full: the work would be answered too late to be useful."""


class InferencePool:
    """A few worker threads for one model, with at most `queue_limit` jobs waiting.

    Model runtimes (CTranslate2, ONNX Runtime) release the GIL, so threads give real
    parallelism; the limit turns overload into a clear, immediate error instead of a
    backlog that makes every conversation late.
    """

    def __init__(self, name: str, *, workers: int = 1, queue_limit: int = 16, error_type: str):
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._limit = workers + queue_limit
        self._pending = 0
        self._lock = threading.Lock()
        self._error_type = error_type

    @property
    def pending(self) -> int:
        """Jobs running or waiting."""
        return self._pending

    async def run(self, function: Callable[[], T]) -> T:
        """Run `function` on a worker; `InferenceBusy` at once if the queue is full.

        Cancelling the await does not stop a job that already started (native code cannot
        be interrupted); its result is dropped.
        """
        with self._lock:
            if self._pending >= self._limit:
                raise InferenceBusy(
                    self._error_type, f"the local {self.name} model is saturated; try again"
                )
            self._pending += 1
        try:
            future = self._executor.submit(function)
        except RuntimeError:
            self._release()
            raise
        # A job counts until it really ends, even when its caller stopped waiting.
        future.add_done_callback(lambda _: self._release())
        return await asyncio.wrap_future(future)

    def _release(self) -> None:
        with self._lock:
            self._pending -= 1

    def close(self) -> None:
        """Stop the workers once their current jobs end."""
        self._executor.shutdown(wait=False, cancel_futures=True)
