"""platform_settings models against the OA snapshot and the SDK's enums."""

import importlib
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from openconvai.schemas import platform_settings as ps
from openconvai.schemas.platform_settings import (
    AgentPlatformSettings,
    AgentPlatformSettingsResponse,
    ConversationInitiationClientDataWebhook,
    ImageAvatar,
    OrbAvatar,
    URLAvatar,
)
from openconvai.schemas.secret_refs import (
    ConvAIDynamicVariable,
    ConvAIEnvVarLocator,
    ConvAISecretLocator,
)
from tests.schemas.oa_defaults import (
    literal_values,
    needs_reference,
    oa_default_paths,
    oa_property_paths,
    oa_schemas,
    value_at,
)

# Every nested list and map populated, so the walk also reaches item and value defaults;
# no value here overrides an OA default.
POPULATED: dict[str, Any] = {
    "auth": {"allowlist": [{"hostname": "example.com"}]},
    "evaluation": {
        "criteria": [{"id": "c1", "name": "Solved", "conversation_goal_prompt": "Was it solved?"}]
    },
    "widget": {
        "avatar": {"type": "url"},
        "language_presets": {"de": {"text_contents": {"main_label": "Hallo"}}, "fr": {}},
    },
    "data_collection": {"email": {"type": "string"}},
    "workspace_overrides": {
        "conversation_initiation_client_data_webhook": {
            "url": "https://example.com/init",
            "request_headers": {"X-Key": {"secret_id": "s1"}, "X-Plain": "v"},
        }
    },
    "testing": {"attached_tests": [{"test_id": "t1"}]},
}


def _same(actual: object, expected: object) -> bool:
    # `==` alone would let 0 stand for False and 1.0 for True.
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    return actual == expected


def assert_oa_defaults(schema_name: str, dumped: dict[str, Any], *, minimum: int) -> None:
    defaults = oa_default_paths(schema_name, dumped)
    assert len(defaults) >= minimum, "walk found too few defaults; is it broken?"
    wrong = {
        path: (expected, value_at(dumped, path))
        for path, expected in defaults.items()
        if not _same(value_at(dumped, path), expected)
    }
    assert wrong == {}, "path: (OA default, ours)"


def assert_oa_properties_present(schema_name: str, dumped: dict[str, Any]) -> None:
    missing = []
    for path in oa_property_paths(schema_name, dumped):
        try:
            value_at(dumped, path)
        except (KeyError, IndexError, TypeError):
            missing.append(path)
    assert missing == []


@needs_reference
def test_empty_response_holds_every_oa_default() -> None:
    dumped = AgentPlatformSettingsResponse.model_validate({}).model_dump(mode="json")
    assert_oa_defaults("AgentPlatformSettingsResponseModel", dumped, minimum=40)
    assert_oa_properties_present("AgentPlatformSettingsResponseModel", dumped)


@needs_reference
def test_empty_request_holds_every_oa_default() -> None:
    dumped = AgentPlatformSettings.model_validate({}).model_dump(mode="json")
    assert_oa_defaults("AgentPlatformSettingsRequestModel", dumped, minimum=40)
    assert_oa_properties_present("AgentPlatformSettingsRequestModel", dumped)


@needs_reference
def test_populated_items_get_oa_defaults() -> None:
    dumped = AgentPlatformSettingsResponse.model_validate(POPULATED).model_dump(mode="json")
    assert_oa_defaults("AgentPlatformSettingsResponseModel", dumped, minimum=48)
    assert_oa_properties_present("AgentPlatformSettingsResponseModel", dumped)
    assert dumped["evaluation"]["criteria"][0]["type"] == "prompt"
    assert dumped["data_collection"]["email"] == {
        "type": "string",
        "description": "",
        "dynamic_variable": "",
        "constant_value": "",
    }


OA_NAMES: list[tuple[type[BaseModel], str]] = [
    (ps.AgentPlatformSettings, "AgentPlatformSettingsRequestModel"),
    (ps.AgentPlatformSettingsResponse, "AgentPlatformSettingsResponseModel"),
    (ps.AuthSettings, "AuthSettings"),
    (ps.AllowlistItem, "AllowlistItem"),
    (ps.EvaluationSettings, "EvaluationSettings"),
    (ps.PromptEvaluationCriteria, "PromptEvaluationCriteria"),
    (ps.WidgetConfig, "WidgetConfig-Input"),
    (ps.WidgetConfig, "WidgetConfig-Output"),
    (ps.WidgetStyles, "WidgetStyles"),
    (ps.WidgetTextContents, "WidgetTextContents"),
    (ps.WidgetLanguagePreset, "WidgetLanguagePreset"),
    (ps.OrbAvatar, "OrbAvatar"),
    (ps.URLAvatar, "URLAvatar"),
    (ps.ImageAvatar, "ImageAvatar"),
    (ps.DataCollectionProperty, "LiteralJsonSchemaProperty"),
    (ps.ConversationInitiationClientDataConfig, "ConversationInitiationClientDataConfig-Input"),
    (ps.ConversationInitiationClientDataConfig, "ConversationInitiationClientDataConfig-Output"),
    (ps.ConversationConfigClientOverrideConfig, "ConversationConfigClientOverrideConfig-Input"),
    (ps.ConversationConfigClientOverrideConfig, "ConversationConfigClientOverrideConfig-Output"),
    (ps.AgentConfigOverrideConfig, "AgentConfigOverrideConfig"),
    (ps.PromptAgentAPIModelOverrideConfig, "PromptAgentAPIModelOverrideConfig"),
    (ps.TTSConversationalConfigOverrideConfig, "TTSConversationalConfigOverrideConfig"),
    (ps.ConversationConfigOverrideConfig, "ConversationConfigOverrideConfig"),
    (ps.AgentCallLimits, "AgentCallLimits"),
    (ps.PrivacyConfig, "PrivacyConfig"),
    (ps.AgentWorkspaceOverrides, "AgentWorkspaceOverrides-Input"),
    (ps.AgentWorkspaceOverrides, "AgentWorkspaceOverrides-Output"),
    (ps.ConversationInitiationClientDataWebhook, "ConversationInitiationClientDataWebhook"),
    (ps.ConvAIWebhooks, "ConvAIWebhooks"),
    (ps.AgentTestingSettings, "AgentTestingSettings"),
    (ps.AttachedTestModel, "AttachedTestModel"),
    (ps.SafetyResponseModel, "SafetyResponseModel"),
    (ConvAISecretLocator, "ConvAISecretLocator"),
    (ConvAIDynamicVariable, "ConvAIDynamicVariable"),
]


@needs_reference
@pytest.mark.parametrize(("model", "oa_name"), OA_NAMES, ids=[name for _, name in OA_NAMES])
def test_fields_and_required_match_the_oa(model: type[BaseModel], oa_name: str) -> None:
    # SDK-only fields are kept as extras rather than invented as fields with guessed defaults.
    schema = oa_schemas()[oa_name]
    assert set(model.model_fields) == set(schema.get("properties", {}))
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    assert required == set(schema.get("required", []))


def test_request_does_not_require_safety_and_response_always_has_it() -> None:
    request = AgentPlatformSettings.model_validate({}).model_dump(mode="json")
    assert "safety" not in request
    response = AgentPlatformSettingsResponse.model_validate({}).model_dump(mode="json")
    assert response["safety"] == {
        "is_blocked_ivc": False,
        "is_blocked_non_ivc": False,
        "ignore_safety_evaluation": False,
    }
    stored = AgentPlatformSettings.model_validate(POPULATED)
    as_response = AgentPlatformSettingsResponse.model_validate(stored.model_dump())
    assert as_response.model_dump(exclude={"safety"}) == stored.model_dump()


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"widget": {"variant": "huge"}}, ("widget", "variant")),
        ({"widget": {"placement": "middle"}}, ("widget", "placement")),
        ({"widget": {"expandable": "sometimes"}}, ("widget", "expandable")),
        ({"widget": {"feedback_mode": "always"}}, ("widget", "feedback_mode")),
        ({"widget": {"avatar": {"type": "video"}}}, ("widget", "avatar")),
        ({"data_collection": {"x": {"type": "date"}}}, ("data_collection", "x", "type")),
        ({"data_collection": {"x": {"type": ["string", "object"]}}}, ("data_collection", "x")),
        ({"data_collection": {"x": {}}}, ("data_collection", "x", "type")),
        (
            {"evaluation": {"criteria": [{"id": "c", "name": "n", "type": "llm"}]}},
            ("evaluation", "criteria", 0, "type"),
        ),
        (
            {
                "evaluation": {
                    "criteria": [{"id": "c", "name": "n", "conversation_goal_prompt": "x" * 2001}]
                }
            },
            ("evaluation", "criteria", 0, "conversation_goal_prompt"),
        ),
        (
            {"testing": {"attached_tests": [{"test_id": str(i)} for i in range(101)]}},
            ("testing", "attached_tests"),
        ),
        ({"auth": {"allowlist": [{}]}}, ("auth", "allowlist", 0, "hostname")),
        ({"call_limits": {"daily_limit": "lots"}}, ("call_limits", "daily_limit")),
        (
            {"workspace_overrides": {"conversation_initiation_client_data_webhook": {"url": "u"}}},
            (
                "workspace_overrides",
                "conversation_initiation_client_data_webhook",
                "request_headers",
            ),
        ),
    ],
)
def test_invalid_values_are_rejected_at_their_field(
    body: dict[str, Any], loc: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError) as caught:
        AgentPlatformSettings.model_validate(body)
    locs = [error["loc"] for error in caught.value.errors()]
    assert any(found[: len(loc)] == loc for found in locs), locs


def test_unknown_fields_round_trip_at_every_level() -> None:
    body = {
        "archived": True,
        "guardrails": {"version": "1", "moderation": {"enabled": True}},
        "auth": {"require_origin_header": True},
        "widget": {"syntax_highlight_theme": "dark", "avatar": {"type": "orb", "glow": 2}},
        "overrides": {
            "enable_procedure_ids_from_client": True,
            "conversation_config_override": {"tts": {"stability": True}},
        },
        "data_collection": {"x": {"type": "string", "enum": ["a", "b"]}},
    }
    dumped = AgentPlatformSettingsResponse.model_validate(body).model_dump(mode="json")
    assert dumped["archived"] is True
    assert dumped["guardrails"] == body["guardrails"]
    assert dumped["auth"]["require_origin_header"] is True
    assert dumped["widget"]["syntax_highlight_theme"] == "dark"
    assert dumped["widget"]["avatar"] == {
        "type": "orb",
        "color_1": "#2792dc",
        "color_2": "#9ce6e6",
        "glow": 2,
    }
    assert dumped["overrides"]["enable_procedure_ids_from_client"] is True
    assert dumped["overrides"]["conversation_config_override"]["tts"] == {
        "voice_id": False,
        "stability": True,
    }
    assert dumped["data_collection"]["x"]["enum"] == ["a", "b"]
    again = AgentPlatformSettingsResponse.model_validate(dumped).model_dump(mode="json")
    assert again == dumped


@pytest.mark.parametrize(
    ("avatar", "expected"),
    [
        ({}, OrbAvatar()),
        ({"color_1": "#ff0000"}, OrbAvatar(color_1="#ff0000")),
        ({"type": "url", "custom_url": "https://a"}, URLAvatar(custom_url="https://a")),
        ({"type": "image", "url": "https://b"}, ImageAvatar(url="https://b")),
    ],
)
def test_avatar_is_chosen_by_type_and_defaults_to_orb(
    avatar: dict[str, Any], expected: Any
) -> None:
    settings = AgentPlatformSettings.model_validate({"widget": {"avatar": avatar}})
    assert settings.widget.avatar == expected


@pytest.mark.parametrize(
    ("constant_json", "expected"),
    [("true", True), ("false", False), ("3", 3), ("2.5", 2.5), ('"x"', "x")],
)
def test_data_collection_constant_keeps_its_json_type(constant_json: str, expected: object) -> None:
    body = (
        f'{{"data_collection": {{"x": {{"type": "string", "constant_value": {constant_json}}}}}}}'
    )
    prop = AgentPlatformSettings.model_validate_json(body).data_collection["x"]
    assert type(prop.constant_value) is type(expected)
    assert prop.constant_value == expected


def test_webhook_headers_take_literals_and_references() -> None:
    webhook = ConversationInitiationClientDataWebhook.model_validate(
        {
            "url": "https://example.com/hook",
            "request_headers": {
                "X-Plain": "value",
                "X-Secret": {"secret_id": "sec_1"},
                "X-Env": {"env_var_label": "API_KEY"},
            },
        }
    )
    assert webhook.request_headers == {
        "X-Plain": "value",
        "X-Secret": ConvAISecretLocator(secret_id="sec_1"),
        "X-Env": ConvAIEnvVarLocator(env_var_label="API_KEY"),
    }
    assert webhook.model_dump(mode="json")["request_headers"]["X-Secret"] == {"secret_id": "sec_1"}


@pytest.mark.parametrize(
    ("ours", "sdk_name"),
    [
        (ps.EmbedVariant, "EmbedVariant"),
        (ps.WidgetPlacement, "WidgetPlacement"),
        (ps.WidgetExpandable, "WidgetExpandable"),
        (ps.WidgetFeedbackMode, "WidgetFeedbackMode"),
        (ps.LiteralPropertyType, "LiteralJsonSchemaPropertyType"),
        (ps.LiteralPropertyType, "AnalysisPropertyType"),
    ],
)
def test_enums_cover_the_sdk(ours: object, sdk_name: str) -> None:
    types = importlib.import_module("elevenlabs.types")
    assert literal_values(getattr(types, sdk_name)) <= literal_values(ours)


def test_every_model_is_a_contract_model() -> None:
    from openconvai.schemas.base import ContractModel

    for name in ps.__all__:
        obj = getattr(ps, name)
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            assert issubclass(obj, ContractModel), name
