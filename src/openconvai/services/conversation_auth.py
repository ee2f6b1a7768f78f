"""Conversation authorization: signed URLs and tokens handed out, and checked on connect."""

import re
from typing import Literal
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.schemas.conversation_auth import (
    ConversationSignedUrlResponse,
    ConversationTokenResponse,
)
from openconvai.security.signed_urls import InvalidToken, issue_token, verify_token
from openconvai.services.errors import NotFound, Unauthorized
from openconvai.store import agents as agent_store

CONVERSATION_PATH = "/v1/convai/conversation"
# ElevenLabs' signed URLs are valid for 15 minutes; a client fetches one right before use.
TOKEN_TTL_SECS = 900

AuthorizationMethod = Literal["public", "signed_url"]

_WS_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
# A host as a proxy may forward it: a name or IPv4 address, or a bracketed IPv6 address,
# with an optional port. Anything else (a path, credentials, spaces) is ignored.
_HOST = re.compile(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


async def signed_url(
    session: AsyncSession,
    workspace_id: str,
    agent_id: str,
    *,
    signing_key: bytes,
    base_url: str,
    now: float | None = None,
) -> ConversationSignedUrlResponse:
    """A WebSocket URL for the workspace's agent, signed so the socket needs no API key.

    `base_url` is where clients reach this server (see `client_base_url`).
    """
    await _require_agent(session, workspace_id, agent_id)
    token = issue_token(signing_key, agent_id, ttl_secs=TOKEN_TTL_SECS, now=now)
    return ConversationSignedUrlResponse(signed_url=conversation_url(base_url, agent_id, token))


async def conversation_token(
    session: AsyncSession,
    workspace_id: str,
    agent_id: str,
    *,
    signing_key: bytes,
    now: float | None = None,
) -> ConversationTokenResponse:
    """A conversation token for the workspace's agent, for the socket's `token` parameter."""
    await _require_agent(session, workspace_id, agent_id)
    token = issue_token(
        signing_key, agent_id, ttl_secs=TOKEN_TTL_SECS, now=now, purpose="conversation_token"
    )
    return ConversationTokenResponse(token=token)


def verify_conversation_token(
    signing_key: bytes,
    agent_id: str,
    *,
    conversation_signature: str | None = None,
    token: str | None = None,
    auth_required: bool = False,
    now: float | None = None,
) -> AuthorizationMethod:
    """Check the socket's `conversation_signature` / `token` query parameters for `agent_id`.

    Returns how the conversation is authorized (`signed_url` or, with neither parameter,
    `public`). Raises `Unauthorized` for a parameter that does not verify, and for none
    when the agent requires authorization (`platform_settings.auth.enable_auth`).
    """
    presented = [value for value in (conversation_signature, token) if value]
    if not presented:
        if auth_required:
            raise Unauthorized(
                "authorization_required",
                "This agent requires authorization: connect with a signed URL from "
                "GET /v1/convai/conversation/get-signed-url.",
            )
        return "public"
    # Both may be present (a signed URL with a `token` added); each must then verify.
    for value in presented:
        try:
            verify_token(signing_key, value, agent_id, now=now)
        except InvalidToken as exc:
            raise _refusal(exc) from None
    return "signed_url"


def client_base_url(
    public_base_url: str | None,
    *,
    request_base_url: str,
    forwarded_proto: str | None = None,
    forwarded_host: str | None = None,
) -> str:
    """Where clients reach this server: the configured public URL, else the request's.

    The request's base URL (scheme, `Host` and root path) is corrected by the proxy's
    `X-Forwarded-Proto` and `X-Forwarded-Host` headers. Trusting them is safe here: the
    URL goes back only to the caller who sent them.
    """
    if public_base_url:
        return public_base_url
    parts = urlsplit(request_base_url)
    scheme = _first(forwarded_proto).lower()
    host = _first(forwarded_host)
    return urlunsplit(
        parts._replace(
            scheme=scheme if scheme in _WS_SCHEMES else parts.scheme,
            netloc=host if _HOST.fullmatch(host) else parts.netloc,
        )
    )


def conversation_url(base_url: str, agent_id: str, token: str) -> str:
    """The conversation WebSocket URL under `base_url` (http→ws, https→wss, prefix kept)."""
    parts = urlsplit(base_url)
    query = urlencode([("agent_id", agent_id), ("conversation_signature", token)], quote_via=quote)
    return urlunsplit(
        (
            _WS_SCHEMES.get(parts.scheme.lower(), "wss"),
            parts.netloc,
            parts.path.rstrip("/") + CONVERSATION_PATH,
            query,
            "",
        )
    )


def _refusal(exc: InvalidToken) -> Unauthorized:
    if exc.reason == "expired":
        return Unauthorized(
            "conversation_signature_expired",
            "The conversation signature has expired: request a new signed URL.",
        )
    if exc.reason == "wrong_agent":
        return Unauthorized(
            "invalid_conversation_signature",
            "The conversation signature was issued for another agent.",
        )
    return Unauthorized(
        "invalid_conversation_signature", "The conversation signature is not valid."
    )


async def _require_agent(session: AsyncSession, workspace_id: str, agent_id: str) -> None:
    # No stored id holds a NUL, and PostgreSQL refuses one in a query (a 500, not a 404).
    if "\x00" in agent_id or await agent_store.get_agent(session, workspace_id, agent_id) is None:
        raise NotFound("agent_not_found", f"Agent {agent_id} was not found.")


def _first(header: str | None) -> str:
    # Proxies in a chain append their values: the first is what the client used.
    return (header or "").split(",", 1)[0].strip()
