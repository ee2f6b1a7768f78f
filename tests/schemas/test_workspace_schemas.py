"""Workspace settings, dashboard settings and secrets models against the OA snapshot."""

import importlib
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from openconvai.schemas import secrets as sec
from openconvai.schemas import workspace_settings as ws
from tests.schemas.oa_defaults import (
    literal_values,
    needs_reference,
    oa_default_paths,
    oa_property_paths,
    oa_schemas,
    value_at,
)

CHARTS: list[dict[str, Any]] = [
    {"type": "call_success", "name": "Success"},
    {"type": "criteria", "name": "Solved", "criteria_id": "c1"},
    {"type": "data_collection", "name": "Emails", "data_collection_id": "email"},
]

STORED_SECRET: dict[str, Any] = {
    "type": "stored",
    "secret_id": "sec_1",
    "name": "crm-key",
    "used_by": {
        "tools": [
            {
                "id": "tool_1",
                "name": "lookup",
                "type": "available",
                "created_at_unix_secs": 1700000000,
                "access_level": "admin",
            },
            {"type": "unknown"},
        ],
        "agents": [{"type": "unknown"}],
        "others": ["conversation_initiation_webhook"],
        "phone_numbers": [
            {
                "phone_number_id": "pn_1",
                "phone_number": "+15550100",
                "label": "Support",
                "provider": "twilio",
            }
        ],
    },
}


def _same(actual: object, expected: object) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    return actual == expected


def assert_matches_oa(schema_name: str, dumped: dict[str, Any]) -> None:
    """Every OA default holds in `dumped`, and every OA property is present in it."""
    defaults = oa_default_paths(schema_name, dumped)
    wrong = {
        path: (expected, value_at(dumped, path))
        for path, expected in defaults.items()
        if not _same(value_at(dumped, path), expected)
    }
    assert wrong == {}, "path: (OA default, ours)"
    for path in oa_property_paths(schema_name, dumped):
        value_at(dumped, path)


@needs_reference
@pytest.mark.parametrize(
    ("model", "oa_name"),
    [
        (ws.ConvAISettings, "GetConvAISettingsResponseModel"),
        (ws.PatchConvAISettingsRequest, "PatchConvAISettingsRequest"),
        (ws.DashboardSettings, "GetConvAIDashboardSettingsResponseModel"),
        (ws.PatchConvAIDashboardSettingsRequest, "PatchConvAIDashboardSettingsRequest"),
    ],
)
def test_empty_settings_hold_every_oa_default(model: type[BaseModel], oa_name: str) -> None:
    dumped = model.model_validate({}).model_dump(mode="json")
    assert_matches_oa(oa_name, dumped)


@needs_reference
def test_convai_settings_defaults() -> None:
    dumped = ws.ConvAISettings.model_validate({}).model_dump(mode="json")
    assert dumped == {
        "conversation_initiation_client_data_webhook": None,
        "webhooks": {"post_call_webhook_id": None, "send_audio": False},
        "can_use_mcp_servers": False,
        "rag_retention_period_days": 10,
        "max_concurrent_conversations": -1,
    }
    assert len(oa_default_paths("GetConvAISettingsResponseModel", dumped)) == 3


@needs_reference
def test_populated_settings_match_the_oa() -> None:
    settings = ws.ConvAISettings.model_validate(
        {
            "conversation_initiation_client_data_webhook": {
                "url": "https://example.com/init",
                "request_headers": {"Authorization": {"secret_id": "sec_1"}},
            },
            "webhooks": {"post_call_webhook_id": "wh_1"},
        }
    )
    assert_matches_oa("GetConvAISettingsResponseModel", settings.model_dump(mode="json"))
    dashboard = ws.DashboardSettings.model_validate({"charts": CHARTS})
    dumped = dashboard.model_dump(mode="json")
    assert_matches_oa("GetConvAIDashboardSettingsResponseModel", dumped)
    assert [type(chart) for chart in dashboard.charts] == [
        ws.DashboardCallSuccessChart,
        ws.DashboardCriteriaChart,
        ws.DashboardDataCollectionChart,
    ]
    assert dumped["charts"] == CHARTS


@needs_reference
def test_stored_secret_matches_the_oa() -> None:
    listing = sec.GetWorkspaceSecretsResponse.model_validate({"secrets": [STORED_SECRET]})
    dumped = listing.model_dump(mode="json")
    assert_matches_oa("GetWorkspaceSecretsResponseModel", dumped)
    assert dumped["next_cursor"] is None
    # SDK 2.78 also lists the MCP servers that use a secret (none here).
    used_by = {**STORED_SECRET["used_by"], "mcp_servers": []}
    assert dumped["secrets"][0] == {**STORED_SECRET, "used_by": used_by}


# Settings this server adds to the contract's models.
OPENCONVAI_EXTENSIONS = {"max_concurrent_conversations"}
# Fields SDK 2.78 has that the OA snapshot lacks.
SDK_ONLY = {"ConvAIStoredSecretDependencies": {"mcp_servers"}}

OA_NAMES: list[tuple[type[BaseModel], str]] = [
    (ws.ConvAISettings, "GetConvAISettingsResponseModel"),
    (ws.PatchConvAISettingsRequest, "PatchConvAISettingsRequest"),
    (ws.DashboardSettings, "GetConvAIDashboardSettingsResponseModel"),
    (ws.PatchConvAIDashboardSettingsRequest, "PatchConvAIDashboardSettingsRequest"),
    (ws.DashboardCallSuccessChart, "DashboardCallSuccessChartModel"),
    (ws.DashboardCriteriaChart, "DashboardCriteriaChartModel"),
    (ws.DashboardDataCollectionChart, "DashboardDataCollectionChartModel"),
    (sec.PostWorkspaceSecretRequest, "PostWorkspaceSecretRequest"),
    (sec.PatchWorkspaceSecretRequest, "PatchWorkspaceSecretRequest"),
    (sec.ConvAIStoredSecretDependencies, "ConvAIStoredSecretDependencies"),
    (sec.DependentAvailableToolIdentifier, "DependentAvailableToolIdentifier"),
    (sec.DependentUnknownToolIdentifier, "DependentUnknownToolIdentifier"),
    (sec.DependentAvailableAgentIdentifier, "DependentAvailableAgentIdentifier"),
    (sec.DependentUnknownAgentIdentifier, "DependentUnknownAgentIdentifier"),
    (sec.DependentPhoneNumberIdentifier, "DependentPhoneNumberIdentifier"),
]

# The constant `type` of these responses is required in the OA but defaulted here,
# because only the server builds them.
OA_NAMES_DEFAULTED_TYPE: list[tuple[type[BaseModel], str]] = [
    (sec.PostWorkspaceSecretResponse, "PostWorkspaceSecretResponseModel"),
    (sec.WorkspaceStoredSecret, "ConvAIWorkspaceStoredSecretConfig"),
]


@needs_reference
@pytest.mark.parametrize(
    ("model", "oa_name"),
    OA_NAMES + OA_NAMES_DEFAULTED_TYPE,
    ids=[name for _, name in OA_NAMES + OA_NAMES_DEFAULTED_TYPE],
)
def test_fields_and_required_match_the_oa(model: type[BaseModel], oa_name: str) -> None:
    schema = oa_schemas()[oa_name]
    extras = OPENCONVAI_EXTENSIONS | SDK_ONLY.get(oa_name, set())
    assert set(model.model_fields) - extras == set(schema.get("properties", {}))
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    expected = set(schema.get("required", []))
    if (model, oa_name) in OA_NAMES_DEFAULTED_TYPE:
        expected.discard("type")
    if oa_name.startswith("Dashboard"):
        # The tag picks the chart kind in a discriminated union, so it is required here.
        expected.add("type")
    assert required == expected


@needs_reference
def test_secret_list_adds_only_next_cursor() -> None:
    oa_fields = set(oa_schemas()["GetWorkspaceSecretsResponseModel"]["properties"])
    assert set(sec.GetWorkspaceSecretsResponse.model_fields) == oa_fields | {"next_cursor"}


@pytest.mark.parametrize(
    ("model", "body", "loc"),
    [
        (ws.ConvAISettings, {"rag_retention_period_days": 0}, ("rag_retention_period_days",)),
        (ws.ConvAISettings, {"rag_retention_period_days": 31}, ("rag_retention_period_days",)),
        (
            ws.PatchConvAISettingsRequest,
            {"rag_retention_period_days": -1},
            ("rag_retention_period_days",),
        ),
        (ws.ConvAISettings, {"webhooks": {"send_audio": "maybe"}}, ("webhooks", "send_audio")),
        (ws.DashboardSettings, {"charts": CHARTS + CHARTS[:2]}, ("charts",)),
        (ws.DashboardSettings, {"charts": [{"type": "pie", "name": "x"}]}, ("charts", 0)),
        (ws.DashboardSettings, {"charts": [{"name": "x"}]}, ("charts", 0)),
        (
            ws.PatchConvAIDashboardSettingsRequest,
            {"charts": [{"type": "criteria", "name": "x"}]},
            ("charts", 0, "criteria", "criteria_id"),
        ),
    ],
)
def test_invalid_settings_are_rejected_at_their_field(
    model: type[BaseModel], body: dict[str, Any], loc: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    locs = [error["loc"] for error in caught.value.errors()]
    assert any(found[: len(loc)] == loc for found in locs), locs


def test_boundary_settings_are_accepted() -> None:
    assert ws.ConvAISettings(rag_retention_period_days=1).rag_retention_period_days == 1
    assert ws.ConvAISettings(rag_retention_period_days=30).rag_retention_period_days == 30
    four = [*CHARTS, {"type": "call_success", "name": "Again"}]
    assert len(ws.DashboardSettings.model_validate({"charts": four}).charts) == 4


def test_patch_bodies_know_what_was_sent() -> None:
    patch = ws.PatchConvAISettingsRequest.model_validate({"can_use_mcp_servers": True})
    assert patch.model_dump(exclude_unset=True) == {"can_use_mcp_servers": True}
    assert patch.rag_retention_period_days == 10


@pytest.mark.parametrize("model", [sec.PostWorkspaceSecretRequest, sec.PatchWorkspaceSecretRequest])
@pytest.mark.parametrize(
    ("name", "value", "loc"),
    [
        ("", "v", ("name",)),
        ("n" * 257, "v", ("name",)),
        ("n", "", ("value",)),
        ("n", "v" * (64 * 1024 + 1), ("value",)),
        # Under the character bound but over 64 KiB once encoded.
        ("n", "é" * 40000, ("value",)),
        (None, "v", ("name",)),
        ("n", 12, ("value",)),
    ],
)
def test_secret_requests_bound_name_and_value(
    model: type[BaseModel], name: object, value: object, loc: tuple[str, ...]
) -> None:
    kind = "new" if model is sec.PostWorkspaceSecretRequest else "update"
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"type": kind, "name": name, "value": value})
    assert [error["loc"] for error in caught.value.errors()] == [loc]


@pytest.mark.parametrize(
    ("model", "kind"),
    [(sec.PostWorkspaceSecretRequest, "new"), (sec.PatchWorkspaceSecretRequest, "update")],
)
def test_secret_requests_accept_limits_and_need_their_type(
    model: type[BaseModel], kind: str
) -> None:
    largest = model.model_validate({"type": kind, "name": "n" * 256, "value": "é" * (32 * 1024)})
    assert largest.model_dump()["value"] == "é" * (32 * 1024)
    for wrong in ({"type": "stored"}, {}):
        with pytest.raises(ValidationError) as caught:
            model.model_validate({**wrong, "name": "n", "value": "v"})
        assert [error["loc"] for error in caught.value.errors()] == [("type",)]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (
            {**STORED_SECRET, "used_by": {"tools": [], "agents": []}},
            ("secrets", 0, "used_by", "others"),
        ),
        (
            {**STORED_SECRET, "used_by": {**STORED_SECRET["used_by"], "others": ["cron"]}},
            ("secrets", 0, "used_by", "others", 0),
        ),
        (
            {
                **STORED_SECRET,
                "used_by": {
                    **STORED_SECRET["used_by"],
                    "tools": [{**STORED_SECRET["used_by"]["tools"][0], "access_level": "owner"}],
                },
            },
            ("secrets", 0, "used_by", "tools", 0, "available", "access_level"),
        ),
    ],
)
def test_invalid_stored_secrets_are_rejected_at_their_field(
    body: dict[str, Any], loc: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError) as caught:
        sec.GetWorkspaceSecretsResponse.model_validate({"secrets": [body]})
    assert [error["loc"] for error in caught.value.errors()] == [loc]


def test_secret_response_shapes() -> None:
    created = sec.PostWorkspaceSecretResponse(secret_id="sec_1", name="crm-key")
    assert created.model_dump(mode="json") == {
        "type": "stored",
        "secret_id": "sec_1",
        "name": "crm-key",
    }
    page = sec.GetWorkspaceSecretsResponse(secrets=[], next_cursor="c2")
    assert page.model_dump(mode="json") == {"secrets": [], "next_cursor": "c2"}


def test_unknown_fields_round_trip() -> None:
    settings = ws.ConvAISettings.model_validate(
        {
            "default_livekit_stack": "static",
            "conversation_embedding_retention_days": 30,
            "webhooks": {"events": ["transcript"], "send_audio": True},
        }
    ).model_dump(mode="json")
    assert settings["default_livekit_stack"] == "static"
    assert settings["conversation_embedding_retention_days"] == 30
    assert settings["webhooks"] == {
        "post_call_webhook_id": None,
        "send_audio": True,
        "events": ["transcript"],
    }
    chart = {"type": "criteria", "name": "x", "criteria_id": "c", "colour": "red"}
    dashboard = ws.DashboardSettings.model_validate({"charts": [chart]})
    assert dashboard.model_dump(mode="json") == {"charts": [chart]}
    secret = {
        **STORED_SECRET,
        "used_by": {
            **STORED_SECRET["used_by"],
            "tools_has_more": False,
            "mcp_servers": [{"type": "unknown", "id": "m1"}],
            "agents": [{"type": "unknown", "id": "agent_1", "referenced_resource_ids": ["x"]}],
        },
    }
    listing = sec.GetWorkspaceSecretsResponse.model_validate({"secrets": [secret]})
    assert listing.model_dump(mode="json")["secrets"][0] == secret
    request = sec.PostWorkspaceSecretRequest.model_validate(
        {"type": "new", "name": "n", "value": "v", "scope": "workspace"}
    )
    assert request.model_dump()["scope"] == "workspace"


@pytest.mark.parametrize(
    ("ours", "sdk_name"),
    [
        (sec.AccessLevel, "DependentAvailableToolIdentifierAccessLevel"),
        (sec.AccessLevel, "DependentAvailableAgentIdentifierAccessLevel"),
        (sec.TelephonyProvider, "TelephonyProvider"),
        (sec.SecretDependencyType, "SecretDependencyType"),
    ],
)
def test_enums_cover_the_sdk(ours: object, sdk_name: str) -> None:
    types = importlib.import_module("elevenlabs.types")
    assert literal_values(getattr(types, sdk_name)) <= literal_values(ours)
