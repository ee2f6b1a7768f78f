"""Registries of provider factories, keyed by the names agent configs use."""

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ProviderNotAvailable(LookupError):
    """No provider is registered under a name and there is no fallback."""


class Registry(Generic[T]):
    """Provider instances by name, built once on first use and shared by every conversation.

    A provider may be registered for many names (every model id a cloud vendor offers, say);
    `fallback` serves names nothing claims.
    """

    def __init__(self, family: str) -> None:
        self.family = family
        self._factories: dict[str, Callable[[], T]] = {}
        self._instances: dict[str, T] = {}
        self._fallback: str | None = None

    def register(self, name: str, factory: Callable[[], T], *, fallback: bool = False) -> None:
        """Make `name` resolve to the instance `factory` builds (built lazily, once)."""
        self._factories[name] = factory
        self._instances.pop(name, None)
        if fallback:
            self._fallback = name

    def names(self) -> list[str]:
        """Registered names."""
        return sorted(self._factories)

    def resolve(self, name: str) -> T:
        """The provider for `name`, or the fallback; `ProviderNotAvailable` if neither."""
        key = name if name in self._factories else self._fallback
        if key is None:
            raise ProviderNotAvailable(f"no {self.family} provider is available for {name!r}")
        instance = self._instances.get(key)
        if instance is None:
            instance = self._factories[key]()
            self._instances[key] = instance
        return instance
