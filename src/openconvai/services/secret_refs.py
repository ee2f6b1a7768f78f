"""Where a JSON document refers to workspace secrets (`{"secret_id": ...}` anywhere in it)."""

from typing import Any


def referenced_secret_ids(document: Any) -> set[str]:
    """Every secret id referenced anywhere inside `document`."""
    found: set[str] = set()
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            secret_id = node.get("secret_id")
            if isinstance(secret_id, str):
                found.add(secret_id)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found
