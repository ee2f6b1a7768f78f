"""Deep merge of JSON documents: the semantics of every PATCH in the API."""

from typing import Any


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A new document: `patch` laid over `base`.

    Objects merge key by key, recursively; anything else in `patch` (a scalar, a list, null)
    replaces what `base` had. Neither argument is modified.
    """
    merged = dict(base)
    for key, value in patch.items():
        current = merged.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged
