"""API keys: generated with high entropy, stored only as a SHA-256 digest."""

import hashlib
import secrets

KEY_PREFIX = "sk_"


def generate_api_key() -> str:
    """A new key in the ElevenLabs shape: `sk_` and 48 hex characters (192 bits)."""
    return KEY_PREFIX + secrets.token_hex(24)


def hash_api_key(key: str) -> str:
    """The digest stored for a key. A fast hash is enough: the key itself has 192 random bits."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_hint(key: str) -> str:
    """The few characters shown to a person to recognise a key, never enough to use it."""
    return key[:6] + "…" + key[-4:]
