"""Conversation tokens: HMAC-SHA256-signed, short-lived permission to talk to one agent.

A token is `<payload>.<mac>`, both base64url without padding, so it needs no escaping in
a URL. The payload is `v1|<expiry unix secs>|<nonce>|<purpose>|<agent id>`; the agent id
comes last so any character in it is safe. Tokens are stateless: every server process
that holds the same signing key accepts the tokens of the others.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import time
from pathlib import Path
from typing import Literal

KEY_FILE_NAME = "signing.key"
DEFAULT_TTL_SECS = 900
MIN_CONFIGURED_KEY_LENGTH = 32

_VERSION = "v1"
# Binds the MAC to this use, should the key ever sign anything else.
_CONTEXT = b"openconvai conversation token\x00"
_PURPOSE = re.compile(r"[a-z][a-z0-9_]{0,31}")

InvalidTokenReason = Literal["expired", "invalid", "wrong_agent"]


class InvalidToken(Exception):
    """The token is not accepted; `reason` is `expired`, `invalid` or `wrong_agent`."""

    def __init__(self, reason: InvalidTokenReason) -> None:
        self.reason: InvalidTokenReason = reason
        super().__init__(reason)


def issue_token(
    secret: bytes,
    agent_id: str,
    *,
    ttl_secs: int = DEFAULT_TTL_SECS,
    now: float | None = None,
    purpose: str = "signed_url",
) -> str:
    """A token that lets its holder start conversations with `agent_id` for `ttl_secs`."""
    if ttl_secs <= 0:
        raise ValueError("ttl_secs must be positive")
    if not _PURPOSE.fullmatch(purpose):
        raise ValueError("purpose must be lowercase letters, digits and underscores")
    issued = time.time() if now is None else now
    expiry = int(issued) + ttl_secs
    nonce = _b64encode(secrets.token_bytes(12))
    payload = "|".join((_VERSION, str(expiry), nonce, purpose, agent_id)).encode("utf-8")
    return f"{_b64encode(payload)}.{_b64encode(_mac(secret, payload))}"


def verify_token(
    secret: bytes,
    token: str,
    agent_id: str,
    *,
    now: float | None = None,
    purpose: str | None = None,
) -> None:
    """Accept `token` for `agent_id` at `now`, else raise `InvalidToken`.

    Tampering or a malformed token is `invalid`, a valid token for another agent
    `wrong_agent`, a valid one past its expiry `expired`. With `purpose`, a token issued
    for another purpose is `invalid`.
    """
    payload = _authentic_payload(secret, token)
    try:
        version, expiry_text, _nonce, token_purpose, token_agent = payload.decode("utf-8").split(
            "|", 4
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidToken("invalid") from None
    if version != _VERSION or not (expiry_text.isascii() and expiry_text.isdigit()):
        raise InvalidToken("invalid")
    if purpose is not None and token_purpose != purpose:
        raise InvalidToken("invalid")
    expected = agent_id.encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(token_agent.encode("utf-8"), expected):
        raise InvalidToken("wrong_agent")
    current = time.time() if now is None else now
    if current >= int(expiry_text):
        raise InvalidToken("expired")


def load_or_create_signing_key(data_dir: Path, configured: str | bytes | None = None) -> bytes:
    """The signing key: the configured one, else the data directory's, else a new one there.

    The key is the text of the setting or file, as bytes, so the content of
    `<data_dir>/signing.key` can be copied into the setting of another server and both
    accept each other's tokens. A configured key must be at least 32 characters.
    """
    if configured:
        key = configured if isinstance(configured, bytes) else configured.encode("utf-8")
        key = key.strip()
        if len(key) < MIN_CONFIGURED_KEY_LENGTH:
            raise ValueError(
                f"The signing key must be at least {MIN_CONFIGURED_KEY_LENGTH} characters; "
                'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
            )
        return key
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        _create_key_file(path)
    key = path.read_bytes().strip()
    if len(key) < MIN_CONFIGURED_KEY_LENGTH:
        raise ValueError(f"The signing key in {path} is too short or empty; remove the file.")
    return key


def _create_key_file(path: Path) -> None:
    # Written in full to a private temporary file, then linked into place: the link
    # fails if another process got there first, so processes starting together on a
    # shared data directory all end up with the same key, never a half-written one.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            # 32 random bytes as base64url text: a key that can go into an env var as is.
            handle.write(secrets.token_urlsafe(32).encode("ascii"))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        except OSError:
            # A file system without hard links: exclusive creation is the next best thing.
            _write_exclusively(path, temporary.read_bytes())
    finally:
        temporary.unlink(missing_ok=True)


def _write_exclusively(path: Path, key: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)


def _authentic_payload(secret: bytes, token: str) -> bytes:
    encoded_payload, dot, encoded_mac = token.partition(".")
    if not dot:
        raise InvalidToken("invalid")
    payload = _b64decode(encoded_payload)
    mac = _b64decode(encoded_mac)
    if payload is None or mac is None or not hmac.compare_digest(mac, _mac(secret, payload)):
        raise InvalidToken("invalid")
    return payload


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, _CONTEXT + payload, hashlib.sha256).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes | None:
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    # Only the canonical spelling: base64 lets the last character carry unused bits, and a
    # token whose text changed must not verify just because its bytes did not.
    return data if _b64encode(data) == text else None
