"""Local stand-ins for cloud LLM APIs, each speaking its vendor's documented wire format.

A test scripts the replies (`FakeVendor.script`), points the vendor's SDK at the app's
base URL, and reads back what the SDK sent (`FakeVendor.received`). The vendor modules
(`openai_api`, `anthropic_api`, `gemini_api`) turn a script into that vendor's HTTP
answers; `server.serve` runs any of them on 127.0.0.1.
"""

import asyncio
import json
import threading
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request


@dataclass(frozen=True)
class Text:
    """Answer with text, one streamed event per chunk.

    With `hold_after`, the stream goes quiet after that many chunks and stays open
    (a model that stalls mid-answer) until the client hangs up.
    """

    chunks: tuple[str, ...] = ("Hello", " there", ", friend!")
    input_tokens: int = 12
    output_tokens: int = 5
    hold_after: int | None = None


@dataclass(frozen=True)
class CallTool:
    """Answer with one tool call; the arguments are raw text so a test can break them.

    An empty `id` sends none, where the wire format allows that (Gemini).
    """

    id: str
    name: str
    arguments: str = "{}"
    input_tokens: int = 20
    output_tokens: int = 9
    # Gemini only: the part's `thoughtSignature` (base64), as Gemini 3 sends with calls.
    signature: str | None = None


@dataclass(frozen=True)
class Fail:
    """Answer with an HTTP error in the vendor's error body format."""

    status: int
    message: str = "scripted failure"


@dataclass(frozen=True)
class Stall:
    """Read the request and never answer, not even the status line."""


@dataclass(frozen=True)
class SayToolResult:
    """Answer with text that quotes the last tool result the request carries (`{result}`),
    as a model that read the tool's answer would (OpenAI fake only)."""

    template: str = "The tool said: {result}"


Reply = Text | CallTool | Fail | Stall | SayToolResult


@dataclass(frozen=True)
class Received:
    """One request as the fake saw it (header names in lower case)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


class FakeVendor:
    """The script and the record of one fake vendor.

    Replies are served in the order scripted, then `default` for every further request.
    With `api_key` set, a request carrying another key gets the vendor's 401.
    """

    def __init__(self, api_key: str | None = None, default: Reply = Text()) -> None:
        self.api_key = api_key
        self.default = default
        self.received: list[Received] = []
        self.hangups = 0
        self._replies: deque[Reply] = deque()
        # Guards the script and the counts: the server runs in a thread of its own.
        self._lock = threading.Condition()

    def reset(self) -> None:
        """Forget the script and the record, so one server can serve several tests."""
        with self._lock:
            self._replies.clear()
            self.received.clear()
            self.hangups = 0

    def script(self, *replies: Reply) -> None:
        """Queue these replies for the next requests."""
        self._replies.extend(replies)

    @property
    def last(self) -> Received:
        """The latest request."""
        return self.received[-1]

    async def wait_for_hangups(self, count: int) -> bool:
        """Whether `count` streams were closed by the client before they ended, within
        five seconds (the server runs in another thread and takes a moment to notice)."""
        return await asyncio.to_thread(self._wait_for_hangups, count)

    def _wait_for_hangups(self, count: int) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self.hangups >= count, timeout=5)

    def _hung_up(self) -> None:
        with self._lock:
            self.hangups += 1
            self._lock.notify_all()

    async def receive(self, request: Request) -> tuple[Received, Reply]:
        """Record the request and pick its reply."""
        raw = await request.body()
        body = json.loads(raw) if raw else {}
        received = Received(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=body,
        )
        with self._lock:
            self.received.append(received)
            reply = self._replies.popleft() if self._replies else self.default
        return received, reply

    async def hold(self, request: Request) -> None:
        """Wait until the client hangs up (what a stalled upstream looks like)."""
        # The body has been read, so the next ASGI message is the hang-up.
        while (await request.receive())["type"] != "http.disconnect":
            pass
        self._hung_up()

    async def watch(self, events: AsyncIterator[str]) -> AsyncIterator[str]:
        """Pass a stream's events on, counting a hang-up if the client leaves early."""
        finished = False
        try:
            async for event in events:
                yield event
            finished = True
        finally:
            if not finished:
                self._hung_up()


def pieces(text: str, count: int = 3) -> list[str]:
    """`text` cut into about `count` consecutive pieces (how JSON arguments stream)."""
    size = max(1, -(-len(text) // count))
    return [text[start : start + size] for start in range(0, len(text), size)] or [""]
