"""The outbound-URL guard: every URL a workspace supplies is called through it.

Webhook tools, MCP servers, knowledge-base URLs, post-call webhooks and custom LLMs all reach
the network here. A URL must be http(s) with a host and no user info; its host is resolved
once, every address it resolves to must pass the address policy (`outbound_networks`), and the
connection goes to a checked address while the Host header, TLS SNI and the certificate check
keep the name (no DNS rebinding between check and connect). Each redirect hop is checked
again, bodies are capped and timeouts always set.

Use `OutboundGuard.request` for one call with a capped body, `OutboundGuard.client` or
`OutboundGuard.transport` where an SDK wants an `httpx.AsyncClient`, and
`outbound_httpx2.httpx2_client` for the SDKs built on httpx2 (openai, anthropic).
"""

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx

from openconvai.security.outbound_networks import (
    ALLOW_HINT,
    ALLOWED_NETWORKS_SETTING,
    Address,
    Network,
    address_refusal,
    parse_address,
    parse_networks,
)
from openconvai.security.outbound_transport import (
    CheckedUrl,
    OutboundError,
    OutboundRequestFailed,
    OutboundResponseTooLarge,
    OutboundTooManyRedirects,
    OutboundTransport,
    OutboundUnresolvable,
    OutboundUrlRefused,
    shown_url,
    too_large,
)

__all__ = [
    "ALLOWED_NETWORKS_SETTING",
    "CheckedUrl",
    "OutboundError",
    "OutboundGuard",
    "OutboundRequestFailed",
    "OutboundResponse",
    "OutboundResponseTooLarge",
    "OutboundTooManyRedirects",
    "OutboundTransport",
    "OutboundUnresolvable",
    "OutboundUrlRefused",
]

if TYPE_CHECKING:
    from openconvai.settings import Settings

DEFAULT_TIMEOUT_SECS = 10.0
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Host name and port to the addresses it resolves to (default: the system's getaddrinfo)."""


@dataclass(frozen=True)
class OutboundResponse:
    """A response read in full (within the body cap)."""

    status_code: int
    headers: httpx.Headers
    body: bytes
    url: str  # the final URL, after redirects

    @property
    def text(self) -> str:
        return self.body.decode(_charset(self.headers), errors="replace")

    def json(self) -> Any:
        return httpx.Response(self.status_code, headers=self.headers, content=self.body).json()


def _charset(headers: httpx.Headers) -> str:
    return httpx.Response(200, headers=headers).charset_encoding or "utf-8"


class OutboundGuard:
    """The policy every workspace-supplied URL is checked against, and the way to call it."""

    def __init__(
        self,
        allowed_networks: Iterable[str | Network] = (),
        *,
        timeout_secs: float = DEFAULT_TIMEOUT_SECS,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        ssl_context: ssl.SSLContext | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        if timeout_secs <= 0:
            raise ValueError("the outbound timeout must be positive")
        self.allowed_networks = parse_networks(allowed_networks)
        self.timeout_secs = timeout_secs
        self.max_redirects = max_redirects
        self.max_body_bytes = max_body_bytes
        self.ssl_context = ssl_context or httpx.create_ssl_context()
        self._resolver = resolver
        self._shared_transport: OutboundTransport | None = None

    @classmethod
    def from_settings(cls, settings: "Settings") -> "OutboundGuard":
        return cls(settings.outbound_allowed_networks)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections `request` keeps alive."""
        if self._shared_transport is not None:
            transport, self._shared_transport = self._shared_transport, None
            await transport.aclose()

    def address_refusal(self, address: str | Address) -> str | None:
        """Why this literal IP address may not be reached, or None where it may (no DNS)."""
        parsed = parse_address(address)
        if parsed is None:
            return f"{address} is not an IP address"
        refusal = address_refusal(parsed, self.allowed_networks)
        return None if refusal is None else f"{refusal}; {ALLOW_HINT}"

    def _name_refusal(self, name: str, address: str) -> str | None:
        parsed = parse_address(address)
        if parsed is None:
            return f"{name} resolves to {address!r}, not an IP address"
        refusal = address_refusal(parsed, self.allowed_networks)
        return None if refusal is None else f"{refusal} ({name} resolves to it); {ALLOW_HINT}"

    def check_url_without_dns(self, url: str | httpx.URL) -> httpx.URL:
        """Everything checkable without resolving: scheme, host, user info, a literal IP host.

        Raises OutboundUrlRefused; returns the parsed URL.
        """
        shown = shown_url(url)
        try:
            parsed = httpx.URL(str(url))
        except httpx.InvalidURL as error:
            raise OutboundUrlRefused(shown, f"is not a valid URL ({error})") from None
        if not parsed.scheme:
            raise OutboundUrlRefused(shown, "has no scheme; it must start with https:// or http://")
        if parsed.scheme not in ("http", "https"):
            raise OutboundUrlRefused(
                shown, f"only http and https URLs may be called, not {parsed.scheme}:"
            )
        if not parsed.host:
            raise OutboundUrlRefused(shown, "has no host")
        if parsed.userinfo:
            raise OutboundUrlRefused(
                shown, "has a user name or password before the host; send credentials in headers"
            )
        literal = parse_address(parsed.host)
        if literal is not None and (refusal := self.address_refusal(literal)) is not None:
            raise OutboundUrlRefused(shown, refusal)
        return parsed

    async def check_url(self, url: str | httpx.URL) -> CheckedUrl:
        """Check `url` and every address its host resolves to (resolved once, here).

        Raises OutboundUrlRefused or OutboundUnresolvable. For create/update validation, and
        done again by every request (each redirect hop included).
        """
        parsed = self.check_url_without_dns(url)
        shown = shown_url(parsed)
        host = parsed.raw_host.decode("ascii")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        if parse_address(host) is not None:
            return CheckedUrl(str(parsed), host, port, (host,))
        try:
            async with asyncio.timeout(self.timeout_secs):
                found = await self._resolve(host, port)
        except (OSError, TimeoutError) as error:
            detail = str(error) or "timed out"
            raise OutboundUnresolvable(
                shown, f"{parsed.host} could not be resolved ({detail})"
            ) from None
        if not found:
            raise OutboundUnresolvable(shown, f"{parsed.host} resolves to no address")
        for address in found:
            if (refusal := self._name_refusal(parsed.host, address)) is not None:
                raise OutboundUrlRefused(shown, refusal)
        return CheckedUrl(str(parsed), host, port, tuple(found))

    async def _resolve(self, host: str, port: int) -> list[str]:
        if self._resolver is not None:
            return list(dict.fromkeys(await self._resolver(host, port)))
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    def transport(self, *, max_body_bytes: int | None = None) -> "OutboundTransport":
        """An httpx transport that checks and pins every request (each redirect hop too).

        `max_body_bytes` caps every response body (None: uncapped, for long streams).
        """
        return OutboundTransport(self, max_body_bytes=max_body_bytes)

    def client(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        auth: httpx.Auth | None = None,
        base_url: str = "",
        max_body_bytes: int | None = None,
    ) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` (for SDKs: MCP, ...) whose every request goes through the guard.

        It follows at most `max_redirects` redirects, each checked; unset timeouts are the
        guard's. The caller closes it.
        """
        return httpx.AsyncClient(
            transport=self.transport(max_body_bytes=max_body_bytes),
            headers=headers,
            timeout=self.timeout_secs if timeout is None else timeout,
            auth=auth,
            base_url=base_url,
            follow_redirects=True,
            max_redirects=self.max_redirects,
            trust_env=False,
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        timeout_secs: float | None = None,
        max_body_bytes: int | None = None,
    ) -> OutboundResponse:
        """Call `url`, following up to `max_redirects` redirects (each checked), read the body.

        `timeout_secs` (each phase: connect, write, read, pool) and `max_body_bytes` default
        to the guard's. Raises an OutboundError subclass; any HTTP status is returned.
        """
        limit = self.max_body_bytes if max_body_bytes is None else max_body_bytes
        seconds = self.timeout_secs if timeout_secs is None else timeout_secs
        self.check_url_without_dns(url)
        if self._shared_transport is None:
            self._shared_transport = self.transport()
        # A client per call (no cookies shared between calls); the transport is shared.
        client = httpx.AsyncClient(
            transport=self._shared_transport, timeout=seconds, trust_env=False
        )
        sending = client.build_request(
            method, url, headers=headers, params=params, json=json, content=content
        )
        try:
            # Each phase has `seconds`, and so has the whole call: no server drips it longer.
            async with asyncio.timeout(seconds):
                for hop in range(self.max_redirects + 1):
                    response = await self._send(client, sending, url, hop, seconds)
                    try:
                        if response.next_request is None:
                            body = await _read_capped(response, limit, shown_url(sending.url))
                            return OutboundResponse(
                                response.status_code, response.headers, body, str(sending.url)
                            )
                        sending = response.next_request
                    finally:
                        await response.aclose()
        except TimeoutError:
            raise OutboundRequestFailed(
                shown_url(sending.url), f"timed out after {seconds:g} s"
            ) from None
        raise OutboundTooManyRedirects(
            shown_url(url), f"redirected more than {self.max_redirects} times"
        )

    async def _send(
        self,
        client: httpx.AsyncClient,
        sending: httpx.Request,
        first: str,
        hop: int,
        seconds: float,
    ) -> httpx.Response:
        shown = shown_url(sending.url)
        try:
            return await client.send(sending, stream=True)
        except OutboundUrlRefused as error:
            if hop == 0:
                raise
            raise OutboundUrlRefused(
                error.url, error.reason, redirected_from=shown_url(first)
            ) from None
        except httpx.TimeoutException:
            raise OutboundRequestFailed(shown, f"timed out after {seconds:g} s") from None
        except httpx.HTTPError as error:
            detail = str(error) or type(error).__name__
            raise OutboundRequestFailed(shown, f"failed: {detail}") from None


async def _read_capped(response: httpx.Response, limit: int, url: str) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(url, limit, f" ({declared} bytes)")
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > limit:
                raise too_large(url, limit)
            chunks.append(chunk)
    except httpx.TimeoutException:
        raise OutboundRequestFailed(url, "timed out reading the response") from None
    except httpx.HTTPError as error:
        detail = str(error) or type(error).__name__
        raise OutboundRequestFailed(url, f"failed reading the response: {detail}") from None
    return b"".join(chunks)
