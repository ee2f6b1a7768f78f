"""A small HTTP/1.1 server on 127.0.0.1 that records each request (body too) and answers
as the test says: a function from the request to a `Reply` (default: 200 with a JSON echo)."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit


@dataclass(frozen=True)
class Received:
    """One request the server got."""

    method: str
    target: str  # as sent: path and query, still encoded
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body)

    def echo(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": unquote(self.path),
            "query": self.query,
            "body": self.json() if self.body else None,
        }


@dataclass(frozen=True)
class Reply:
    """How the server answers."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay_secs: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, value: Any, status: int = 200) -> "Reply":
        return cls(status, json.dumps(value).encode())


Route = Callable[[Received], Reply]


def echo(request: Received) -> Reply:
    return Reply.of_json(request.echo())


@dataclass
class RecordingServer:
    port: int
    route: Route = echo
    received: list[Received] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@asynccontextmanager
async def recording_server(route: Route = echo) -> AsyncIterator[RecordingServer]:
    """Serve on a free port until the block ends."""
    state = RecordingServer(0, route)
    handlers: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            while True:
                request = await _read_request(reader)
                state.received.append(request)
                reply = state.route(request)
                if reply.delay_secs:
                    await asyncio.sleep(reply.delay_secs)
                extra = "".join(f"{name}: {value}\r\n" for name, value in reply.headers.items())
                head = (
                    f"HTTP/1.1 {reply.status} X\r\ncontent-type: {reply.content_type}\r\n"
                    f"{extra}content-length: {len(reply.body)}\r\n\r\n"
                )
                writer.write(head.encode() + reply.body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            handlers.discard(task)
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        for task in list(handlers):
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> Received:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    request_line, *lines = head.split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Received(method, target, headers, body)
