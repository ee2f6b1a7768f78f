"""Encryption of workspace secrets at rest (Fernet: AES-128-CBC with HMAC-SHA256)."""

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_FILE_NAME = "secret.key"


class SecretBox:
    """Encrypts and decrypts secret values with one Fernet key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext as URL-safe text, ready for a text column."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """The plaintext; raises `SecretDecryptionError` if the key does not match."""
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise SecretDecryptionError("secret cannot be decrypted with this key") from exc


class SecretDecryptionError(Exception):
    """The stored ciphertext does not open with the configured key."""


def load_or_create_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured key, else the one in the data directory, else a new one written there."""
    if configured:
        return configured.encode("ascii")
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # Created with 0600 from the start so the key is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
