"""The outbound guard for SDKs built on httpx2 (openai, anthropic): the same checks and pinning.

httpx2 is httpx's successor under another name, with its own transport and httpcore2; an SDK
that takes `http_client=httpx2.AsyncClient(...)` gets `httpx2_client(guard)`. Part of the
`cloud` extra, so import this module only where those SDKs are used.
"""

from collections.abc import AsyncIterator, Iterable, Mapping

import httpcore2
import httpx2

from openconvai.security.outbound_transport import (
    UrlChecker,
    pinned_addresses,
    pinned_to,
    shown_url,
    timeouts_filled,
    too_large,
)


def httpx2_client(
    guard: UrlChecker,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float | httpx2.Timeout | None = None,
    base_url: str = "",
    max_redirects: int = 5,
    max_body_bytes: int | None = None,
) -> httpx2.AsyncClient:
    """An `httpx2.AsyncClient` whose every request (each redirect hop too) the guard checks."""
    return httpx2.AsyncClient(
        transport=OutboundTransport2(guard, max_body_bytes=max_body_bytes),
        headers=headers,
        timeout=guard.timeout_secs if timeout is None else timeout,
        base_url=base_url,
        follow_redirects=True,
        max_redirects=max_redirects,
        trust_env=False,
    )


class OutboundTransport2(httpx2.AsyncHTTPTransport):
    """`outbound_transport.OutboundTransport`, for httpx2: check, then connect to what passed."""

    def __init__(self, guard: UrlChecker, *, max_body_bytes: int | None = None) -> None:
        limits = httpx2.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(verify=guard.ssl_context, trust_env=False, limits=limits)
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=guard.ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend2(),
        )
        self._guard = guard
        self._max_body_bytes = max_body_bytes

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        checked = await self._guard.check_url(str(request.url))
        request.extensions["timeout"] = timeouts_filled(
            request.extensions.get("timeout"), self._guard.timeout_secs
        )
        with pinned_to(checked):
            response = await super().handle_async_request(request)
        limit = self._max_body_bytes
        if limit is None:
            return response
        shown = shown_url(str(request.url))
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await response.aclose()
            raise too_large(shown, limit, f" ({declared} bytes)")
        assert isinstance(response.stream, httpx2.AsyncByteStream)
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=_CappedStream2(response.stream, limit, shown),
            extensions=response.extensions,
        )


class _CappedStream2(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, limit: int, url: str) -> None:
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


class _PinnedBackend2(httpcore2.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2 calls it so)
        local_address: str | None = None,
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        addresses = pinned_addresses(host)
        if not addresses:
            raise httpcore2.ConnectError(f"{host} was not checked by the outbound guard")
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2 calls it so)
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        raise httpcore2.ConnectError("the outbound guard connects to checked TCP addresses only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
