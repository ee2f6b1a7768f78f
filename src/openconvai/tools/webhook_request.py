"""The HTTP request of one webhook tool call, built from its config and the LLM's arguments.

- The URL's `{name}` placeholders take the path parameters (URL-encoded) and its `{{ name }}`
  templates the conversation's dynamic variables (as they are: a variable may hold a whole
  base URL). Both are filled in one pass, so a value never becomes a placeholder itself.
- The query string takes the query schema's properties, the JSON body the body schema's
  (every method but GET); values a schema marks as a dynamic variable or a constant come from
  there, whatever the LLM sent, and arguments the schemas do not name are not sent.
- `request_headers` values are plain strings (with `{{ name }}` templates), workspace
  secrets (resolved now, never logged) or dynamic variables.

Dynamic variables are the conversation's, over the tool's own placeholders. What cannot be
filled raises `WebhookRequestError`, whose message the LLM is shown.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from openconvai.conversation.dynamic_variables import MissingDynamicVariable, render
from openconvai.conversation.tool_port import ToolCallContext
from openconvai.schemas.tool_config import (
    ArrayJsonSchemaProperty,
    ConvAIDynamicVariable,
    ConvAISecretLocator,
    JsonSchemaProperty,
    LiteralJsonSchemaProperty,
    ObjectJsonSchemaProperty,
    WebhookToolApiSchemaConfig,
    WebhookToolConfig,
)
from openconvai.tools.webhook_schema import body_applies, is_constant, literal_schema, normalise

__all__ = ["WebhookRequest", "WebhookRequestError", "build_request"]

# `{{ variable }}` (the names dynamic_variables admits) or `{path_param}`.
_URL_PLACEHOLDER = re.compile(
    r"\{\{\s*(?P<variable>[A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}|\{(?P<param>[^{}]+)\}"
)


class WebhookRequestError(Exception):
    """The request cannot be built; the message says why, for the LLM and the transcript."""


@dataclass(frozen=True)
class WebhookRequest:
    """One request, ready for the outbound guard."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    # The JSON body; None sends no body.
    body: dict[str, Any] | None = None


class _Missing:
    """A value nobody gave (distinct from a JSON null)."""


_MISSING = _Missing()


async def build_request(
    config: WebhookToolConfig, arguments: Mapping[str, Any], context: ToolCallContext
) -> WebhookRequest:
    """The request for one call with (already validated) `arguments`."""
    api = config.api_schema
    if api.auth_connection is not None:
        raise WebhookRequestError("its auth connection is not supported by this server")
    variables: dict[str, object] = {
        **config.dynamic_variables.dynamic_variable_placeholders,
        **context.variables,
    }
    body = None
    if body_applies(api):
        assert api.request_body_schema is not None
        body = _body(api.request_body_schema, arguments, variables)
    return WebhookRequest(
        method=api.method,
        url=_url(api, arguments, variables),
        headers=await _headers(api, variables, context),
        params=_query(api, arguments, variables),
        body=body,
    )


def _url(
    api: WebhookToolApiSchemaConfig, arguments: Mapping[str, Any], variables: Mapping[str, object]
) -> str:
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        variable = match.group("variable")
        if variable is not None:
            if variable not in variables:
                missing.append(variable)
                return ""
            return as_text(variables[variable])
        name = match.group("param").strip()
        prop = api.path_params_schema.get(name)
        if prop is None:
            raise WebhookRequestError(
                f"its URL has a placeholder {{{name}}} that no path parameter fills"
            )
        value = _literal_value(name, prop, arguments, variables)
        if isinstance(value, _Missing) or value is None:
            raise WebhookRequestError(f"the path parameter {name} has no value")
        return quote(as_text(value), safe="")

    url = _URL_PLACEHOLDER.sub(fill, api.url)
    if missing:
        raise WebhookRequestError(_missing_variables(missing))
    return url


def _query(
    api: WebhookToolApiSchemaConfig, arguments: Mapping[str, Any], variables: Mapping[str, object]
) -> dict[str, str]:
    schema = api.query_params_schema
    if schema is None:
        return {}
    params: dict[str, str] = {}
    for name, prop in schema.properties.items():
        value = _literal_value(name, prop, arguments, variables)
        if isinstance(value, _Missing) or value is None:
            if name in schema.required:
                raise WebhookRequestError(f"the query parameter {name} has no value")
            continue
        params[name] = as_text(value)
    return params


def _body(
    schema: ObjectJsonSchemaProperty,
    arguments: Mapping[str, Any],
    variables: Mapping[str, object],
) -> dict[str, Any]:
    # The arguments also hold the path and query parameters: only the body's are taken, even
    # where the body schema is a free-form object.
    if not schema.properties:
        return {}
    return _fill_object(schema, arguments, variables, "")


def _fill_object(
    schema: ObjectJsonSchemaProperty,
    given: Mapping[str, Any],
    variables: Mapping[str, object],
    where: str,
) -> dict[str, Any]:
    if not schema.properties:
        return dict(given)
    filled: dict[str, Any] = {}
    for name, prop in schema.properties.items():
        value = _fill(prop, given.get(name, _MISSING), variables, f"{where}{name}")
        if isinstance(value, _Missing):
            if name in schema.required:
                raise WebhookRequestError(f"the body property {where}{name} has no value")
            continue
        filled[name] = value
    return filled


def _fill(prop: JsonSchemaProperty, given: Any, variables: Mapping[str, object], where: str) -> Any:
    if isinstance(prop, LiteralJsonSchemaProperty):
        return _literal_value(where, prop, {where: given}, variables)
    if isinstance(prop, ObjectJsonSchemaProperty):
        if isinstance(given, dict):
            return _fill_object(prop, given, variables, f"{where}.")
        if isinstance(given, _Missing) and prop.properties and _all_fixed(prop):
            # Nothing of it is the LLM's: it is sent whole, from its constants and variables.
            return _fill_object(prop, {}, variables, f"{where}.")
        return given
    return _fill_array(prop, given, variables, where)


def _fill_array(
    prop: ArrayJsonSchemaProperty, given: Any, variables: Mapping[str, object], where: str
) -> Any:
    items = prop.items
    if not isinstance(given, list) or not isinstance(items, ObjectJsonSchemaProperty):
        return given
    return [
        _fill_object(items, item, variables, f"{where}[{index}].")
        if isinstance(item, dict)
        else item
        for index, item in enumerate(given)
    ]


def _all_fixed(prop: ObjectJsonSchemaProperty) -> bool:
    for child in prop.properties.values():
        if isinstance(child, LiteralJsonSchemaProperty):
            if not (child.dynamic_variable or is_constant(child)):
                return False
        elif isinstance(child, ObjectJsonSchemaProperty):
            if not (child.properties and _all_fixed(child)):
                return False
        else:
            return False
    return True


def _literal_value(
    name: str,
    prop: LiteralJsonSchemaProperty,
    arguments: Mapping[str, Any],
    variables: Mapping[str, object],
) -> Any:
    """The value of a literal: its dynamic variable, its constant, or the LLM's argument."""
    if prop.dynamic_variable:
        if prop.dynamic_variable not in variables:
            return _MISSING
        # A variable holding "42" for an integer property is sent as 42.
        return normalise(literal_schema(prop), variables[prop.dynamic_variable])
    if is_constant(prop):
        return prop.constant_value
    return arguments.get(name, _MISSING)


async def _headers(
    api: WebhookToolApiSchemaConfig, variables: Mapping[str, object], context: ToolCallContext
) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in api.request_headers.items():
        if isinstance(value, str):
            try:
                text = render(value, variables)
            except MissingDynamicVariable as missing:
                raise WebhookRequestError(_missing_variables(missing.names)) from None
        elif isinstance(value, ConvAISecretLocator):
            try:
                text = await context.secret(value.secret_id)
            except LookupError:
                raise WebhookRequestError(
                    f"the secret {value.secret_id} of its {name} header is not available"
                ) from None
        elif isinstance(value, ConvAIDynamicVariable):
            if value.variable_name not in variables:
                raise WebhookRequestError(_missing_variables([value.variable_name]))
            text = as_text(variables[value.variable_name])
        else:
            raise WebhookRequestError(
                f"its {name} header names an environment variable, which this server "
                "does not support"
            )
        if "\r" in text or "\n" in text:
            raise WebhookRequestError(f"the value of its {name} header has a line break")
        if not text.isascii():
            # httpx sends header values as ASCII; say so rather than fail inside the client.
            raise WebhookRequestError(f"the value of its {name} header is not plain ASCII")
        headers[name] = text
    return headers


def as_text(value: object) -> str:
    """A value as it goes into a URL, a query string or a header (booleans as true/false)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"))


def _missing_variables(names: list[str]) -> str:
    unique = ", ".join(dict.fromkeys(names))
    return f"it needs dynamic variables that have no value: {unique}"
