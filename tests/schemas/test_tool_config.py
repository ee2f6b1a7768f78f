"""Tool config models: the discriminated unions, their defaults and their checks."""

import importlib
import typing
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from openconvai.schemas import tool_config as tc
from openconvai.schemas.tool_config import (
    TOOL_CONFIG_ADAPTER,
    ArrayJsonSchemaProperty,
    ClientToolConfig,
    EndCallToolConfig,
    LiteralJsonSchemaProperty,
    MCPToolConfig,
    ObjectJsonSchemaProperty,
    PhoneNumberTransferDestination,
    SIPUriTransferDestination,
    SystemToolConfig,
    TransferToNumberToolConfig,
    WebhookToolConfig,
)
from tests.schemas.oa_defaults import (
    needs_reference,
    oa_default_paths,
    oa_schemas,
    value_at,
)

WEBHOOK: dict[str, Any] = {
    "type": "webhook",
    "name": "get_weather",
    "description": "Weather for a city",
    "api_schema": {"url": "https://example.com/weather"},
}
CLIENT: dict[str, Any] = {"type": "client", "name": "show_map", "description": "Show a map"}
SYSTEM: dict[str, Any] = {
    "type": "system",
    "name": "end_call",
    "description": "End the call",
    "params": {"system_tool_type": "end_call"},
}
MCP: dict[str, Any] = {
    "type": "mcp",
    "name": "search",
    "description": "Search",
    "integration_type": "mcp_server",
    "mcp_tool_name": "search",
    "mcp_tool_description": "Search the web",
    "mcp_server_id": "m1",
    "mcp_server_name": "web",
}


def _parse(data: dict[str, Any]) -> tc.ToolConfig:
    return TOOL_CONFIG_ADAPTER.validate_python(data)


def _dump(data: dict[str, Any]) -> dict[str, Any]:
    dumped: dict[str, Any] = TOOL_CONFIG_ADAPTER.dump_python(_parse(data), mode="json")
    return dumped


def _error_locs(data: dict[str, Any]) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as caught:
        _parse(data)
    return [tuple(error["loc"]) for error in caught.value.errors()]


@pytest.mark.parametrize(
    ("data", "model"),
    [
        (WEBHOOK, WebhookToolConfig),
        (CLIENT, ClientToolConfig),
        (SYSTEM, SystemToolConfig),
        (MCP, MCPToolConfig),
    ],
)
def test_parses_by_type_with_defaults(data: dict[str, Any], model: type) -> None:
    tool = _parse(data)
    assert isinstance(tool, model)
    dumped = _dump(data)
    assert dumped["response_timeout_secs"] == 20
    assert dumped["disable_interruptions"] is False
    assert dumped["force_pre_tool_speech"] is False
    assert dumped["assignments"] == []


@needs_reference
@pytest.mark.parametrize(
    ("data", "schema"),
    [
        (WEBHOOK, "WebhookToolConfig-Output"),
        (CLIENT, "ClientToolConfig-Output"),
        (SYSTEM, "SystemToolConfig-Output"),
        (MCP, "MCPToolConfig-Output"),
        (WEBHOOK, "WebhookToolConfig-Input"),
    ],
)
def test_defaults_match_oa(data: dict[str, Any], schema: str) -> None:
    dumped = _dump(data)
    defaults = oa_default_paths(schema, dumped)
    assert defaults
    for path, expected in defaults.items():
        assert value_at(dumped, path) == expected, path
    assert set(oa_schemas()[schema]["properties"]) <= set(dumped)


def test_webhook_dump_is_complete() -> None:
    assert _dump(WEBHOOK) == {
        "type": "webhook",
        "name": "get_weather",
        "description": "Weather for a city",
        "response_timeout_secs": 20,
        "disable_interruptions": False,
        "force_pre_tool_speech": False,
        "assignments": [],
        "api_schema": {
            "url": "https://example.com/weather",
            "method": "GET",
            "path_params_schema": {},
            "query_params_schema": None,
            "request_body_schema": None,
            "request_headers": {},
            "auth_connection": None,
        },
        "dynamic_variables": {"dynamic_variable_placeholders": {}},
    }


def test_mcp_defaults() -> None:
    dumped = _dump(MCP)
    assert dumped["approval_policy"] == "require_approval_all"
    assert dumped["parameters"] is None
    assert dumped["mcp_input_schema"] is None


def test_client_defaults() -> None:
    dumped = _dump(CLIENT)
    assert dumped["expects_response"] is False
    assert dumped["parameters"] is None


# --- Discriminators -----------------------------------------------------------------------


def test_unknown_type_is_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        _parse({**WEBHOOK, "type": "carrier_pigeon"})
    assert caught.value.errors()[0]["type"] == "union_tag_invalid"


def test_missing_type_is_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        _parse({key: value for key, value in WEBHOOK.items() if key != "type"})
    assert caught.value.errors()[0]["type"] == "union_tag_not_found"


@pytest.mark.parametrize(
    ("params", "model_name"),
    [
        ({"system_tool_type": "end_call"}, "EndCallToolConfig"),
        ({"system_tool_type": "language_detection"}, "LanguageDetectionToolConfig"),
        (
            {"system_tool_type": "transfer_to_agent", "transfers": []},
            "TransferToAgentToolConfig",
        ),
        (
            {"system_tool_type": "transfer_to_number", "transfers": []},
            "TransferToNumberToolConfig",
        ),
        ({"system_tool_type": "skip_turn"}, "SkipTurnToolConfig"),
        ({"system_tool_type": "play_keypad_touch_tone"}, "PlayDTMFToolConfig"),
        ({"system_tool_type": "voicemail_detection"}, "VoicemailDetectionToolConfig"),
        ({"system_tool_type": "end_procedure", "procedures": {}}, "EndProcedureToolConfig"),
        ({"system_tool_type": "start_procedure"}, "StartProcedureToolConfig"),
        ({"system_tool_type": "knowledge_base"}, "KnowledgeBaseToolConfig"),
        ({"system_tool_type": "knowledge_base_rag"}, "KnowledgeBaseRagToolConfig"),
    ],
)
def test_system_params_parse_by_system_tool_type(params: dict[str, Any], model_name: str) -> None:
    tool = _parse({**SYSTEM, "params": params})
    assert isinstance(tool, SystemToolConfig)
    assert type(tool.params).__name__ == model_name
    assert model_name in tc.__all__


def test_system_tool_type_literal_lists_every_params_model() -> None:
    assert len(get_args(tc.SystemToolType)) == 11


def test_unknown_system_tool_type_is_rejected() -> None:
    locs = _error_locs({**SYSTEM, "params": {"system_tool_type": "self_destruct"}})
    assert locs == [("system", "params")]


def test_transfer_to_number_defaults_and_destinations() -> None:
    tool = _parse(
        {
            **SYSTEM,
            "name": "transfer_to_number",
            "params": {
                "system_tool_type": "transfer_to_number",
                "transfers": [
                    {
                        "transfer_destination": {"type": "phone", "phone_number": "+15550100"},
                        "condition": "caller asks for a human",
                    },
                    {
                        "transfer_destination": {"type": "sip_uri", "sip_uri": "sip:a@b.c"},
                        "condition": "caller asks for support",
                        "transfer_type": "sip_refer",
                    },
                    {"phone_number": "+15550101", "condition": "legacy"},
                ],
            },
        }
    )
    assert isinstance(tool, SystemToolConfig)
    params = tool.params
    assert isinstance(params, TransferToNumberToolConfig)
    assert params.enable_client_message is True
    first, second, third = params.transfers
    assert isinstance(first.transfer_destination, PhoneNumberTransferDestination)
    assert first.transfer_type == "conference"
    assert isinstance(second.transfer_destination, SIPUriTransferDestination)
    assert second.transfer_type == "sip_refer"
    assert third.transfer_destination is None


def test_agent_transfer_defaults() -> None:
    tool = _parse(
        {
            **SYSTEM,
            "params": {
                "system_tool_type": "transfer_to_agent",
                "transfers": [{"agent_id": "a2", "condition": "asks for sales"}],
            },
        }
    )
    dumped = TOOL_CONFIG_ADAPTER.dump_python(tool, mode="json")
    assert dumped["params"]["transfers"][0] == {
        "agent_id": "a2",
        "condition": "asks for sales",
        "delay_ms": 0,
        "transfer_message": None,
        "enable_transferred_agent_first_message": False,
    }


# --- Checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "timeout", "ok"),
    [
        (WEBHOOK, 4, False),
        (WEBHOOK, 5, True),
        (WEBHOOK, 120, True),
        (WEBHOOK, 121, False),
        (CLIENT, 0, False),
        (CLIENT, 1, True),
        (CLIENT, 121, False),
        (SYSTEM, 300, True),
        (MCP, 300, True),
    ],
)
def test_response_timeout_bounds(data: dict[str, Any], timeout: int, ok: bool) -> None:
    payload = {**data, "response_timeout_secs": timeout}
    if ok:
        assert _dump(payload)["response_timeout_secs"] == timeout
    else:
        assert _error_locs(payload) == [(data["type"], "response_timeout_secs")]


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, "ümlaut"])
def test_tool_name_pattern(name: str) -> None:
    assert _error_locs({**CLIENT, "name": name}) == [("client", "name")]


@pytest.mark.parametrize(
    ("data", "path", "value"),
    [
        (WEBHOOK, ("api_schema", "method"), "TRACE"),
        (MCP, ("approval_policy",), "sometimes"),
        (MCP, ("integration_type",), "smb"),
        (
            WEBHOOK,
            ("assignments",),
            [{"source": "request", "dynamic_variable": "a", "value_path": "b"}],
        ),
        (CLIENT, ("parameters",), {"properties": {"x": {"type": "date"}}}),
    ],
)
def test_unknown_enum_value_is_rejected(
    data: dict[str, Any], path: tuple[str, ...], value: Any
) -> None:
    payload = {**data}
    target = payload
    for key in path[:-1]:
        target[key] = {**target[key]}
        target = target[key]
    target[path[-1]] = value
    locs = _error_locs(payload)
    assert locs
    assert all(loc[: len(path) + 1] == (data["type"], *path) for loc in locs)


def test_required_fields_are_enforced() -> None:
    locs = _error_locs({"type": "webhook", "name": "x", "description": "d"})
    assert locs == [("webhook", "api_schema")]
    locs = _error_locs({**WEBHOOK, "api_schema": {}})
    assert locs == [("webhook", "api_schema", "url")]
    locs = _error_locs({key: value for key, value in MCP.items() if key != "mcp_server_id"})
    assert locs == [("mcp", "mcp_server_id")]


def test_query_params_need_a_property() -> None:
    payload = {**WEBHOOK, "api_schema": {**WEBHOOK["api_schema"], "query_params_schema": {}}}
    assert _error_locs(payload) == [("webhook", "api_schema", "query_params_schema", "properties")]
    payload["api_schema"]["query_params_schema"] = {"properties": {}}
    assert _error_locs(payload) == [("webhook", "api_schema", "query_params_schema", "properties")]


# --- JSON-schema-like properties ----------------------------------------------------------


def test_nested_parameters_parse_recursively() -> None:
    tool = _parse(
        {
            **CLIENT,
            "parameters": {
                "required": ["city"],
                "properties": {
                    "city": {"type": "string", "description": "City name"},
                    "days": {"type": "integer", "constant_value": 3},
                    "user": {"type": "string", "dynamic_variable": "user_name"},
                    "stops": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"lat": {"type": "number"}, "tags": {"type": "array"}},
                        },
                    },
                    "options": {"properties": {"fast": {"type": "boolean"}}},
                    "maybe": {"type": ["string", "null"]},
                },
            },
        }
    )
    assert isinstance(tool, ClientToolConfig)
    assert tool.parameters is not None
    props = tool.parameters.properties
    assert isinstance(props["city"], LiteralJsonSchemaProperty)
    days = props["days"]
    assert isinstance(days, LiteralJsonSchemaProperty)
    assert days.constant_value == 3
    assert isinstance(days.constant_value, int)
    stops = props["stops"]
    assert isinstance(stops, ArrayJsonSchemaProperty)
    assert isinstance(stops.items, ObjectJsonSchemaProperty)
    tags = stops.items.properties["tags"]
    assert isinstance(tags, ArrayJsonSchemaProperty)
    assert tags.items is None
    assert isinstance(props["options"], ObjectJsonSchemaProperty)
    maybe = props["maybe"]
    assert isinstance(maybe, LiteralJsonSchemaProperty)
    assert maybe.type == ["string", "null"]


def test_literal_property_defaults() -> None:
    prop = LiteralJsonSchemaProperty.model_validate({"type": "boolean"})
    assert prop.model_dump(mode="json") == {
        "type": "boolean",
        "description": "",
        "dynamic_variable": "",
        "constant_value": "",
    }


def test_request_headers_accept_literals_secrets_and_variables() -> None:
    tool = _parse(
        {
            **WEBHOOK,
            "api_schema": {
                **WEBHOOK["api_schema"],
                "request_headers": {
                    "X-Plain": "v",
                    "Authorization": {"secret_id": "s1"},
                    "X-User": {"variable_name": "user_id"},
                    "X-Env": {"env_var_label": "API_HOST"},
                },
            },
        }
    )
    assert isinstance(tool, WebhookToolConfig)
    headers = tool.api_schema.request_headers
    assert [type(value).__name__ for value in headers.values()] == [
        "str",
        "ConvAISecretLocator",
        "ConvAIDynamicVariable",
        "ConvAIEnvVarLocator",
    ]


def test_union_members_require_their_tag() -> None:
    # A tag is what picks the union member, so it is required (the SDK always sends it).
    assert EndCallToolConfig(system_tool_type="end_call").system_tool_type == "end_call"
    with pytest.raises(ValidationError):
        EndCallToolConfig.model_validate({})


# --- Unknown fields and enums -------------------------------------------------------------


def test_unknown_fields_round_trip() -> None:
    payload = {
        **WEBHOOK,
        "interruption_mode": "allow",
        "tool_call_sound": "typing",
        "api_schema": {
            **WEBHOOK["api_schema"],
            "content_type": "application/json",
            "path_params_schema": {"id": {"type": "string", "enum": ["a", "b"]}},
        },
    }
    dumped = _dump(payload)
    assert dumped["interruption_mode"] == "allow"
    assert dumped["tool_call_sound"] == "typing"
    assert dumped["api_schema"]["content_type"] == "application/json"
    assert dumped["api_schema"]["path_params_schema"]["id"]["enum"] == ["a", "b"]
    assert _dump(dumped) == dumped


def _literals(annotation: Any) -> set[Any]:
    if typing.get_origin(annotation) is typing.Literal:
        return set(get_args(annotation))
    found: set[Any] = set()
    for arg in get_args(annotation):
        found |= _literals(arg)
    return found


ENUMS = [
    (tc.TransferType, "TransferTypeEnum", "TransferTypeEnum"),
    (tc.IntegrationType, "IntegrationType", "IntegrationType"),
    (tc.MCPApprovalPolicy, "MCPApprovalPolicy", "McpApprovalPolicy"),
]


@needs_reference
@pytest.mark.parametrize(("alias", "oa_name", "sdk_name"), ENUMS)
def test_enum_accepts_every_oa_value(alias: Any, oa_name: str, sdk_name: str) -> None:
    assert set(oa_schemas()[oa_name]["enum"]) <= set(get_args(alias))


@needs_reference
def test_inline_enums_accept_every_oa_value() -> None:
    schemas = oa_schemas()
    method = schemas["WebhookToolApiSchemaConfig-Output"]["properties"]["method"]["enum"]
    assert set(method) <= set(get_args(tc.WebhookMethod))
    literal_type = schemas["LiteralJsonSchemaProperty"]["properties"]["type"]["enum"]
    assert set(literal_type) <= set(get_args(tc.LiteralJsonType))


@pytest.mark.parametrize(("alias", "oa_name", "sdk_name"), ENUMS)
def test_enum_accepts_every_sdk_value(alias: Any, oa_name: str, sdk_name: str) -> None:
    sdk_types = importlib.import_module("elevenlabs.types")
    sdk_values = _literals(getattr(sdk_types, sdk_name))
    assert sdk_values
    assert sdk_values <= set(get_args(alias))


def test_sdk_transfer_destinations_are_accepted() -> None:
    sdk_types = importlib.import_module("elevenlabs.types")
    sdk_union = sdk_types.PhoneNumberTransferTransferDestination
    tags = set()
    for member in get_args(get_args(sdk_union)[0]):
        tags |= _literals(member.model_fields["type"].annotation)
    ours = set()
    for member in get_args(get_args(tc.TransferDestination)[0]):
        ours |= _literals(member.model_fields["type"].annotation)
    assert tags <= ours


def test_sdk_system_tool_types_are_accepted() -> None:
    sdk_types = importlib.import_module("elevenlabs.types")
    tags = set()
    for member in get_args(get_args(sdk_types.SystemToolConfigInputParams)[0]):
        tags |= _literals(member.model_fields["system_tool_type"].annotation)
    assert tags <= set(get_args(tc.SystemToolType))
