"""The SDK clients of one process: one per kind of client and vendor account."""

import threading
from collections.abc import Callable
from typing import TypeVar

from openconvai.providers.access import Access

T = TypeVar("T")


class SharedClients:
    """Builds each client once, so every conversation of a workspace shares its pool."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, Access], object] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, access: Access, build: Callable[[], T]) -> T:
        """The `kind` client of the account `access` reaches, built by `build` the first time."""
        key = (kind, access)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = build()
                self._clients[key] = client
            return client  # type: ignore[return-value]

    def take_all(self) -> list[object]:
        """Every client built so far; the cache is empty afterwards (they are being closed)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        return clients
