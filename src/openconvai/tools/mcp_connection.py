"""One connection to an MCP server (Streamable HTTP or SSE), kept for a whole conversation.

The SDK's transports and `ClientSession` are anyio context managers, which must be left by
the task that entered them: each connection therefore lives in a task of its own, and the
conversation's tasks call its session from outside. Every request goes through the
outbound guard (`outbound_httpx2.httpx2_client`).
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Mapping
from typing import Any, TypeVar

import anyio
import httpx2
import mcp_types
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED

from openconvai.security.outbound_httpx2 import httpx2_client
from openconvai.security.outbound_transport import OutboundError, UrlChecker
from openconvai.tools.mcp_config import McpTransport

logger = logging.getLogger(__name__)
T = TypeVar("T")

# How long a stream may stay silent: servers hold SSE streams open between events.
_STREAM_READ_TIMEOUT_SECS = 300.0
# Listing pages read at most (a server that pages forever must not hold discovery).
_MAX_LIST_PAGES = 20
_CLIENT_INFO = mcp_types.Implementation(name="openconvai", version="0.1.0")
# The error the Streamable HTTP client reports when the server forgot our session.
_SESSION_GONE = "Session terminated"


class McpUnavailable(Exception):
    """The server could not be reached, or the connection broke; `str()` says why, briefly."""


class McpConnection:
    """A session with one MCP server, opened by `open` and closed by `aclose`."""

    def __init__(
        self,
        url: str,
        transport: McpTransport,
        headers: Mapping[str, str],
        guard: UrlChecker,
        *,
        connect_timeout_secs: float,
    ) -> None:
        self._url = url
        self._transport = transport
        self._headers = dict(headers)
        self._guard = guard
        self._connect_timeout = connect_timeout_secs
        self._task: asyncio.Task[None] | None = None
        self._session: ClientSession | None = None
        self._stop = asyncio.Event()
        self._closed = asyncio.Event()
        self._reopening: asyncio.Lock = asyncio.Lock()

    @property
    def is_open(self) -> bool:
        """Whether the session is up (it may still break at any moment)."""
        return self._session is not None and not self._closed.is_set()

    async def open(self) -> None:
        """Connect and initialize, within the connect timeout; raises McpUnavailable."""
        self._stop = asyncio.Event()
        self._closed = asyncio.Event()
        ready: asyncio.Future[ClientSession] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._own(ready), name=f"mcp {self._url}")
        try:
            async with asyncio.timeout(self._connect_timeout):
                self._session = await asyncio.shield(ready)
        except TimeoutError:
            await self._abandon(ready)
            raise McpUnavailable(
                f"connecting timed out after {self._connect_timeout:g} s"
            ) from None
        except BaseException:
            await self._abandon(ready)
            raise

    async def aclose(self) -> None:
        """End the session (the server is told when it can be)."""
        self._stop.set()
        task, self._task, self._session = self._task, None, None
        if task is None:
            return
        try:
            async with asyncio.timeout(self._connect_timeout):
                await asyncio.shield(task)
        except TimeoutError:
            await _cancelled(task)

    async def _abandon(self, ready: "asyncio.Future[ClientSession]") -> None:
        task, self._task, self._session = self._task, None, None
        if task is not None:
            await _cancelled(task)
        if ready.done() and not ready.cancelled():
            ready.exception()  # seen here: asyncio must not report it as never retrieved

    async def list_tools(self) -> list[mcp_types.Tool]:
        """Every tool the server offers (all pages); raises McpUnavailable."""
        session = self._require()
        tools: list[mcp_types.Tool] = []
        cursor: str | None = None
        try:
            async with asyncio.timeout(self._connect_timeout):
                for _ in range(_MAX_LIST_PAGES):
                    params = (
                        None if cursor is None else mcp_types.PaginatedRequestParams(cursor=cursor)
                    )
                    page = await self._until_closed(session.list_tools(params=params))
                    tools.extend(page.tools)
                    cursor = page.next_cursor
                    if cursor is None:
                        break
        except TimeoutError:
            raise McpUnavailable("listing its tools timed out") from None
        except MCPError as error:
            raise McpUnavailable(f"listing its tools failed: {error.message}") from None
        return tools

    async def call_tool(
        self, name: str, arguments: dict[str, Any], timeout_secs: float
    ) -> mcp_types.CallToolResult:
        """Call a tool; raises McpUnavailable, TimeoutError or MCPError (a protocol error).

        A connection found broken is opened again first; a call the server refused because
        it forgot the session (it ran nothing) is sent once more on a new one.
        """
        for attempt in range(2):
            if not self.is_open:
                await self._reopen()
            session = self._require()
            try:
                # The SDK's own read timeout is a backstop; this one fires first.
                async with asyncio.timeout(timeout_secs):
                    return await self._until_closed(
                        session.call_tool(name, arguments, read_timeout_seconds=timeout_secs + 1)
                    )
            except McpUnavailable:
                await self.aclose()  # the next call connects again
                raise
            except MCPError as error:
                if error.code == CONNECTION_CLOSED:
                    await self.aclose()
                    raise McpUnavailable("the connection to the server was lost") from None
                if error.message != _SESSION_GONE or attempt == 1:
                    raise
                await self.aclose()
        raise AssertionError("unreachable")

    async def _reopen(self) -> None:
        async with self._reopening:
            if self.is_open:
                return
            await self.aclose()
            try:
                await self.open()
            except McpUnavailable as error:
                raise McpUnavailable(f"reconnecting failed: {error}") from None

    def _require(self) -> ClientSession:
        if self._session is None or self._closed.is_set():
            raise McpUnavailable("the connection is closed")
        return self._session

    async def _until_closed(self, request: Awaitable[T]) -> T:
        """Await `request`, or fail as soon as the connection breaks under it."""
        call: asyncio.Future[T] = asyncio.ensure_future(request)
        closed = asyncio.ensure_future(self._closed.wait())
        either: set[asyncio.Future[Any]] = {call, closed}
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            if not call.done():
                call.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await call
        if not call.done() or call.cancelled():
            raise McpUnavailable("the server closed the connection")
        return call.result()

    async def _own(self, ready: "asyncio.Future[ClientSession]") -> None:
        """The connection's task: open everything, hand the session over, wait, close."""
        try:
            async with (
                self._streams() as (read, write),
                ClientSession(read, write, client_info=_CLIENT_INFO) as session,
            ):
                with anyio.fail_after(self._connect_timeout):
                    await session.initialize()
                ready.set_result(session)
                await self._stop.wait()
        except asyncio.CancelledError:
            if not ready.done():
                ready.set_exception(McpUnavailable("connecting was cancelled"))
            raise
        except (Exception, BaseExceptionGroup) as error:  # groups come from the SDK's tasks
            reason = describe(error)
            if not ready.done():
                ready.set_exception(McpUnavailable(reason))
            else:
                logger.info("MCP server %s: connection ended: %s", self._url, reason)
        finally:
            self._closed.set()

    @contextlib.asynccontextmanager
    async def _streams(self) -> AsyncIterator[Any]:
        if self._transport == "SSE":

            def factory(
                headers: dict[str, str] | None = None,
                timeout: httpx2.Timeout | None = None,
                auth: httpx2.Auth | None = None,
            ) -> httpx2.AsyncClient:
                return httpx2_client(self._guard, headers=headers, timeout=timeout)

            async with sse_client(
                self._url,
                headers=self._headers,
                timeout=self._connect_timeout,
                sse_read_timeout=_STREAM_READ_TIMEOUT_SECS,
                httpx_client_factory=factory,
            ) as streams:
                yield streams
            return
        timeout = httpx2.Timeout(self._connect_timeout, read=_STREAM_READ_TIMEOUT_SECS)
        async with (
            httpx2_client(self._guard, headers=self._headers, timeout=timeout) as client,
            streamable_http_client(self._url, http_client=client) as streams,
        ):
            yield streams


async def _cancelled(task: "asyncio.Task[None]") -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def describe(error: BaseException) -> str:
    """A short reason for a failure, from the first leaf of an exception group."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if isinstance(error, OutboundError):
        return str(error)
    if isinstance(error, McpUnavailable | MCPError):
        return str(error) or type(error).__name__
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, httpx2.HTTPStatusError):
        return f"the server answered HTTP {error.response.status_code}"
    if isinstance(error, httpx2.ConnectError):
        return f"could not connect ({error})" if str(error) else "could not connect"
    if isinstance(error, httpx2.HTTPError):
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
