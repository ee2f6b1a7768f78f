"""The httpx side of the outbound guard: its errors, and a transport that pins connections.

`OutboundTransport` sends each request's URL unchanged (so the Host header, TLS SNI and the
certificate check keep the name) after the guard checked it, and its network backend connects
only to the addresses that check returned, read from a context variable set for the request
in flight. `outbound.OutboundGuard` is the way in; this module knows nothing of the policy.
"""

from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from ssl import SSLContext
from typing import Protocol

import httpcore
import httpx


class OutboundError(Exception):
    """An outbound call that did not happen or did not finish; `str()` names URL and reason."""

    def __init__(self, url: str, reason: str, *, redirected_from: str | None = None) -> None:
        where = url if redirected_from is None else f"{url} (redirected from {redirected_from})"
        super().__init__(f"{where}: {reason}")
        self.url = url
        self.reason = reason
        self.redirected_from = redirected_from


class OutboundUrlRefused(OutboundError):
    """The URL may not be called: wrong scheme, no host, user info, or a forbidden address."""


class OutboundUnresolvable(OutboundError):
    """The URL's host name resolves to no address (or resolving it timed out)."""


class OutboundTooManyRedirects(OutboundError):
    """The server redirected more times than allowed."""


class OutboundResponseTooLarge(OutboundError):
    """The response body is bigger than allowed; it was not read to the end."""


class OutboundRequestFailed(OutboundError):
    """Connecting, sending or receiving failed, or timed out."""


@dataclass(frozen=True)
class CheckedUrl:
    """A URL that passed the guard, and the addresses its connection may go to."""

    url: str
    host: str  # as sent on the wire (IDNA), the key its connection is pinned under
    port: int
    addresses: tuple[str, ...]


def shown_url(url: str | httpx.URL) -> str:
    """The URL as error messages show it: no query or fragment (they may carry secrets)."""
    try:
        return str(httpx.URL(str(url)).copy_with(query=None, fragment=None))
    except (httpx.InvalidURL, TypeError):
        text = str(url)
        return text if len(text) <= 200 else text[:200] + "..."


def too_large(url: str, limit: int, size: str = "") -> OutboundResponseTooLarge:
    return OutboundResponseTooLarge(
        url, f"the response body{size} is larger than the {limit} bytes allowed"
    )


def timeouts_filled(given: Mapping[str, float | None] | None, default: float) -> dict[str, float]:
    """A request's timeout extension with every missing or unlimited phase set to `default`."""
    filled: dict[str, float] = {}
    for phase in ("connect", "read", "write", "pool"):
        value = (given or {}).get(phase)
        filled[phase] = default if value is None else value
    return filled


# The host and checked addresses of the request in flight, read by the network backends.
_PIN: ContextVar[tuple[str, tuple[str, ...]] | None] = ContextVar("outbound_pin", default=None)


@contextmanager
def pinned_to(checked: CheckedUrl) -> Iterator[None]:
    """Connections opened inside this block to `checked.host` go to its checked addresses."""
    token = _PIN.set((checked.host, checked.addresses))
    try:
        yield
    finally:
        _PIN.reset(token)


def pinned_addresses(host: str) -> tuple[str, ...]:
    """The checked addresses a connection to `host` may use now (none: it was not checked)."""
    pin = _PIN.get()
    return pin[1] if pin is not None and pin[0] == host else ()


class UrlChecker(Protocol):
    """What the transport needs of `OutboundGuard`."""

    timeout_secs: float
    ssl_context: SSLContext

    def check_url(self, url: str | httpx.URL) -> Awaitable[CheckedUrl]: ...


class OutboundTransport(httpx.AsyncHTTPTransport):
    """Checks every request's URL with the guard, then connects only to the checked addresses.

    The URL is sent unchanged, so the Host header, TLS SNI and certificate check keep the
    name; the network backend swaps the name for a checked address when it connects. No
    proxies (from the environment or otherwise): they would connect for us, unchecked.
    """

    def __init__(self, guard: UrlChecker, *, max_body_bytes: int | None = None) -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(verify=guard.ssl_context, trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=guard.ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(),
        )
        self._guard = guard
        self._max_body_bytes = max_body_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        checked = await self._guard.check_url(request.url)
        request.extensions["timeout"] = timeouts_filled(
            request.extensions.get("timeout"), self._guard.timeout_secs
        )
        with pinned_to(checked):
            response = await super().handle_async_request(request)
        limit = self._max_body_bytes
        if limit is None:
            return response
        shown = shown_url(request.url)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await response.aclose()
            raise too_large(shown, limit, f" ({declared} bytes)")
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, limit, shown),
            extensions=response.extensions,
        )


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, limit: int, url: str) -> None:
        self._inner, self._limit, self._url = inner, limit, url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        total = 0
        async for chunk in self._inner:
            total += len(chunk)
            if total > self._limit:
                raise too_large(self._url, self._limit)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects a name only to the addresses the guard checked for the request in flight."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore calls it so)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = pinned_addresses(host)
        if not addresses:
            raise httpcore.ConnectError(f"{host} was not checked by the outbound guard")
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore calls it so)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("the outbound guard connects to checked TCP addresses only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
