"""What the LLM sees of a webhook tool's parameters, and how its arguments are checked.

The LLM sees one object: the path parameters, the query parameters and the body's properties
side by side (a name used in more than one place is one argument, and fills each place; the
first description wins, path before query before body). A property whose value comes from a
dynamic variable (`dynamic_variable`) or is a constant (`constant_value`) is not shown: the
runner fills it (see `webhook_request`). The body counts for every method but GET.

Arguments are first normalised, mending the LLM's obvious type slips (`"3"` for an integer,
`"true"` for a boolean, `12` for a string, `null` for an optional property, an object sent as
JSON text), then validated with `jsonschema`; what is wrong is said in words the LLM can act
on, so it may call again.
"""

import json
import math
import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from openconvai.schemas.tool_config import (
    ArrayJsonSchemaProperty,
    JsonSchemaProperty,
    LiteralJsonSchemaProperty,
    ObjectJsonSchemaProperty,
    WebhookToolApiSchemaConfig,
)

__all__ = [
    "argument_errors",
    "body_applies",
    "is_fixed",
    "literal_schema",
    "llm_parameters",
    "normalise",
]

JsonSchema = dict[str, Any]

_INTEGER = re.compile(r"[+-]?\d+")
_MAX_ERRORS = 5
_MAX_ERROR_CHARS = 200


def is_fixed(prop: LiteralJsonSchemaProperty) -> bool:
    """Whether the property's value comes from a dynamic variable or a constant, not the LLM."""
    return bool(prop.dynamic_variable) or is_constant(prop)


def is_constant(prop: LiteralJsonSchemaProperty) -> bool:
    """Whether the property has a constant value (the contract's default `""` means none)."""
    return prop.constant_value is not None and prop.constant_value != ""


def body_applies(api: WebhookToolApiSchemaConfig) -> bool:
    """Whether the request carries the body the config describes (never for GET)."""
    return api.request_body_schema is not None and api.method != "GET"


def llm_parameters(api: WebhookToolApiSchemaConfig) -> JsonSchema:
    """The JSON schema of the one object of arguments the LLM is asked for."""
    properties: dict[str, JsonSchema] = {}
    required: list[str] = []

    def add(name: str, schema: JsonSchema | None, is_required: bool) -> None:
        if schema is None:
            return
        properties.setdefault(name, schema)
        if is_required and name not in required:
            required.append(name)

    for name, path_prop in api.path_params_schema.items():
        # Every path parameter is required: the URL cannot be built without it.
        add(name, _literal_or_none(path_prop), True)
    query = api.query_params_schema
    if query is not None:
        for name, query_prop in query.properties.items():
            add(name, _literal_or_none(query_prop), name in query.required)
    if body_applies(api):
        assert api.request_body_schema is not None
        body = _object_schema(api.request_body_schema)
        if body is not None:
            body_required = body.get("required", [])
            for name, schema in body.get("properties", {}).items():
                add(name, schema, name in body_required)
    parameters: JsonSchema = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    return parameters


def literal_schema(prop: LiteralJsonSchemaProperty) -> JsonSchema:
    """The JSON schema of a literal property (its type, description and any SDK `enum`)."""
    schema: JsonSchema = {"type": prop.type}
    if prop.description:
        schema["description"] = prop.description
    enum = (prop.model_extra or {}).get("enum")
    if isinstance(enum, list) and enum:
        schema["enum"] = enum
    return schema


def _literal_or_none(prop: LiteralJsonSchemaProperty) -> JsonSchema | None:
    return None if is_fixed(prop) else literal_schema(prop)


def _property_schema(prop: JsonSchemaProperty) -> JsonSchema | None:
    """What the LLM sees of a property; None when nothing of it is the LLM's to fill."""
    if isinstance(prop, LiteralJsonSchemaProperty):
        return _literal_or_none(prop)
    if isinstance(prop, ObjectJsonSchemaProperty):
        return _object_schema(prop)
    return _array_schema(prop)


def _object_schema(prop: ObjectJsonSchemaProperty) -> JsonSchema | None:
    schema: JsonSchema = {"type": "object"}
    if prop.description:
        schema["description"] = prop.description
    if not prop.properties:
        return schema  # a free-form object
    shown = {
        name: sub
        for name, child in prop.properties.items()
        if (sub := _property_schema(child)) is not None
    }
    if not shown:
        return None  # every property is a constant or a dynamic variable
    schema["properties"] = shown
    required = [name for name in prop.required if name in shown]
    if required:
        schema["required"] = required
    return schema


def _array_schema(prop: ArrayJsonSchemaProperty) -> JsonSchema:
    schema: JsonSchema = {"type": "array"}
    if prop.description:
        schema["description"] = prop.description
    items = prop.items
    if isinstance(items, LiteralJsonSchemaProperty):
        # A constant for every item would make no list: items are always the LLM's.
        schema["items"] = literal_schema(items)
    elif items is not None:
        item_schema = _property_schema(items)
        schema["items"] = item_schema if item_schema is not None else {"type": "object"}
    return schema


# --- Normalising ----------------------------------------------------------------------------


def normalise(schema: JsonSchema, value: Any) -> Any:
    """`value` with the obvious type slips against `schema` mended (a new value; no mutation)."""
    types = _types(schema)
    if isinstance(value, str):
        mended = _from_text(types, value)
        # An object or list sent as JSON text is mended inside too.
        return mended if isinstance(mended, str) else normalise(schema, mended)
    if isinstance(value, bool):
        if "string" in types and "boolean" not in types:
            return "true" if value else "false"
        return value
    if isinstance(value, int | float):
        return _from_number(types, value)
    if isinstance(value, dict):
        return _normalise_object(schema, value)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [normalise(schema["items"], item) for item in value]
    return value


def _types(schema: JsonSchema) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {item for item in kind if isinstance(item, str)}
    return set()


def _from_text(types: set[str], value: str) -> Any:
    if not types or "string" in types:
        return value
    text = value.strip()
    if "boolean" in types and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if types & {"integer", "number"}:
        if _INTEGER.fullmatch(text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            return value
        if "number" in types and math.isfinite(number):
            return number
        return int(number) if number.is_integer() else value
    if types & {"object", "array"} and text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


def _from_number(types: set[str], value: float) -> Any:
    if not types:
        return value
    if types & {"number", "integer"}:
        if isinstance(value, float) and value.is_integer() and "number" not in types:
            return int(value)
        return value
    if "string" in types:
        return json.dumps(value)
    return value


def _normalise_object(schema: JsonSchema, value: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return value
    required = set(schema.get("required", ()))
    mended: dict[str, Any] = {}
    for name, item in value.items():
        sub = properties.get(name)
        if not isinstance(sub, dict):
            mended[name] = item
            continue
        if item is None and name not in required and "null" not in _types(sub):
            continue  # an LLM's way of leaving an optional property out
        mended[name] = normalise(sub, item)
    return mended


# --- Validating -----------------------------------------------------------------------------


def argument_errors(schema: JsonSchema, arguments: Any) -> list[str]:
    """What is wrong with `arguments` against `schema`, one short line each (none: valid)."""
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(arguments), key=_error_order)
    lines = [_describe(error) for error in errors[:_MAX_ERRORS]]
    if len(errors) > _MAX_ERRORS:
        lines.append(f"and {len(errors) - _MAX_ERRORS} more")
    return lines


def _error_order(error: ValidationError) -> tuple[str, str]:
    return (_location(error), error.message)


def _location(error: ValidationError) -> str:
    location = ""
    for part in error.absolute_path:
        location += f"[{part}]" if isinstance(part, int) else (f".{part}" if location else part)
    return location


def _describe(error: ValidationError) -> str:
    message = error.message
    if len(message) > _MAX_ERROR_CHARS:
        message = message[:_MAX_ERROR_CHARS] + "..."
    location = _location(error)
    return f"{location}: {message}" if location else message
