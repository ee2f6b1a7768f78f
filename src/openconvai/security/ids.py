"""Opaque identifiers shaped like the contract's (a prefix and random lowercase alphanumerics)."""

import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def new_id(prefix: str, length: int = 26) -> str:
    """A random id such as `agent_3k9x...`; 26 characters carry ~134 bits of randomness."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
