"""Read the server defaults and property names out of the OA snapshot.

Tests compare them with what our models dump, so a default or field name that drifts
from the contract fails a test instead of surprising an SDK.

Paths are tuples of keys and list indexes into a `model_dump(mode="json")` result.
Given an instance, the walk follows it: array items and map values are visited by index
and key, a member of a union is chosen by its `type` constant, and a nullable object that
is null is not entered. Without one, the walk covers the properties of objects only
(through `$ref`, `allOf` and anyOf-with-null, entering nullable objects too): a listing of
the schema, not of one document. To check a dump, pass it as the instance.
"""

import json
import os
import typing
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

OAPath = tuple[str | int, ...]

_ABSENT: Any = object()


def reference_dir() -> Path:
    """`$OPENCONVAI_REFERENCE_DIR`, else `<repo root>/../shared/reference`."""
    configured = os.environ.get("OPENCONVAI_REFERENCE_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "reference"


@cache
def oa_schemas() -> dict[str, Any]:
    """The `components.schemas` of the OA snapshot, by name."""
    with (reference_dir() / "openapi-convai.json").open(encoding="utf-8") as fh:
        document = json.load(fh)
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = oa_schemas()[schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0])
    return schema


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null members of a union, or the schema itself when it is not one."""
    schema = _resolve(schema)
    members = schema.get("anyOf") or schema.get("oneOf")
    if members is None:
        return [schema]
    return [_resolve(m) for m in members if m.get("type") != "null"]


def _pick(schema: dict[str, Any], instance: Any) -> dict[str, Any] | None:
    """The union member that describes `instance`, or None when that is undecidable."""
    branches = _branches(schema)
    if len(branches) == 1:
        return branches[0]
    if not isinstance(instance, dict):
        return None
    tag = instance.get("type")
    for branch in branches:
        type_schema = branch.get("properties", {}).get("type", {})
        if tag is not None and type_schema.get("const") == tag:
            return branch
    return None


def _nullable(schema: dict[str, Any]) -> bool:
    members = schema.get("anyOf") or schema.get("oneOf") or []
    return any(member.get("type") == "null" for member in members)


def _walk(
    schema: dict[str, Any], instance: Any, path: OAPath
) -> Iterator[tuple[OAPath, dict[str, Any]]]:
    """Yield (path, property schema) for every property reached."""
    branch = _pick(schema, instance)
    if branch is None:
        return
    given = instance is not _ABSENT
    for name, prop in branch.get("properties", {}).items():
        sub_path = (*path, name)
        yield sub_path, prop
        if not given:
            if "default" not in prop:
                yield from _walk(prop, _ABSENT, sub_path)
        elif isinstance(instance, dict) and name in instance:
            child = instance[name]
            if child is None and _nullable(prop):
                continue
            yield from _walk(prop, child, sub_path)
    if not given:
        return
    items = branch.get("items")
    if isinstance(items, dict) and isinstance(instance, list):
        for index, item in enumerate(instance):
            yield from _walk(items, item, (*path, index))
    values = branch.get("additionalProperties")
    if isinstance(values, dict) and isinstance(instance, dict):
        for key, value in instance.items():
            if key not in branch.get("properties", {}):
                yield from _walk(values, value, (*path, key))


def oa_default_paths(schema_name: str, instance: Any = _ABSENT) -> dict[OAPath, object]:
    """Every `default` the OA states under `schema_name`, by path.

    Pass `instance` (a JSON-mode dump) to get exactly the defaults it must hold: those of
    its array items and map values included, those under its null nullable objects left out.
    """
    root = {"$ref": f"#/components/schemas/{schema_name}"}
    return {path: prop["default"] for path, prop in _walk(root, instance, ()) if "default" in prop}


def oa_property_paths(schema_name: str, instance: Any = _ABSENT) -> set[OAPath]:
    """The path of every property the OA declares under `schema_name` (same walk)."""
    root = {"$ref": f"#/components/schemas/{schema_name}"}
    return {path for path, _ in _walk(root, instance, ())}


def value_at(document: Any, path: OAPath) -> Any:
    """The value at `path`; raises KeyError or IndexError if it is missing."""
    for key in path:
        document = document[key]
    return document


_REFERENCE_MISSING = not (reference_dir() / "openapi-convai.json").is_file()
if _REFERENCE_MISSING and os.environ.get("CI"):
    # CI always has ../shared beside the clone: a missing contract there is a broken set-up.
    raise RuntimeError(f"OA snapshot not found in {reference_dir()}")

# On a checkout without ../shared the contract tests are skipped, with this reason shown.
needs_reference = pytest.mark.skipif(
    _REFERENCE_MISSING, reason="OA snapshot not found; set OPENCONVAI_REFERENCE_DIR"
)


def literal_values(annotation: Any) -> set[Any]:
    """The values of a Literal, also inside unions and the SDK's open `Union[Literal, Any]`."""
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    found: set[Any] = set()
    for arg in typing.get_args(annotation):
        found |= literal_values(arg)
    return found
