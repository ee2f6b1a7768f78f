"""Client overrides: allowed per flag, refused with every path named, text only always."""

from typing import Any

import pytest

from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.schemas.platform_settings import ConversationInitiationClientDataConfig
from openconvai.services.overrides import (
    InvalidOverride,
    OverrideNotAllowed,
    apply_client_llm_extra_body,
    apply_overrides,
)

JsonDict = dict[str, Any]


def agent_config(**sections: Any) -> JsonDict:
    return ConversationalConfig.model_validate(sections).model_dump(mode="json")


def allowed(**flags: Any) -> JsonDict:
    """An agent's `platform_settings.overrides` dump, with the given flags switched on."""
    return ConversationInitiationClientDataConfig.model_validate(
        {"conversation_config_override": flags}
    ).model_dump(mode="json")


NOTHING_ALLOWED = allowed()
EVERYTHING_ALLOWED = allowed(
    agent={
        "first_message": True,
        "language": True,
        "prompt": {"prompt": True, "llm": True, "native_mcp_server_ids": True},
    },
    tts={"voice_id": True, "stability": True, "speed": True, "similarity_boost": True},
    conversation={"text_only": True},
    asr={"keywords": True},
)


@pytest.mark.parametrize("override", [None, {}, {"agent": {}}, {"agent": {"prompt": None}}])
def test_empty_override_changes_nothing(override: JsonDict | None) -> None:
    config = agent_config(agent={"first_message": "Hi"})
    effective, text_only = apply_overrides(config, override, NOTHING_ALLOWED)
    assert effective == config
    assert text_only is False


def test_allowed_fields_are_applied_and_the_rest_kept() -> None:
    config = agent_config(
        agent={"first_message": "Hi", "prompt": {"prompt": "Be kind.", "temperature": 0.3}}
    )
    override = {
        "agent": {
            "first_message": "Hola",
            "language": "es",
            "prompt": {"prompt": "Sé amable.", "llm": "gpt-4o"},
        },
        "tts": {"voice_id": "voice_2", "stability": 0.9, "speed": 1.1, "similarity_boost": 0.1},
        "asr": {"keywords": ["openconvai"]},
    }
    effective, text_only = apply_overrides(config, override, EVERYTHING_ALLOWED)
    assert effective["agent"]["first_message"] == "Hola"
    assert effective["agent"]["language"] == "es"
    assert effective["agent"]["prompt"]["prompt"] == "Sé amable."
    assert effective["agent"]["prompt"]["llm"] == "gpt-4o"
    assert effective["agent"]["prompt"]["temperature"] == 0.3
    assert effective["tts"]["voice_id"] == "voice_2"
    assert (effective["tts"]["stability"], effective["tts"]["speed"]) == (0.9, 1.1)
    assert effective["asr"]["keywords"] == ["openconvai"]
    assert text_only is False
    assert config["agent"]["first_message"] == "Hi", "the agent's config is not modified"


def test_each_flag_allows_only_its_own_field() -> None:
    config = agent_config()
    effective, _ = apply_overrides(
        config, {"tts": {"voice_id": "v2"}}, allowed(tts={"voice_id": True})
    )
    assert effective["tts"]["voice_id"] == "v2"
    with pytest.raises(OverrideNotAllowed) as caught:
        apply_overrides(config, {"tts": {"stability": 0.1}}, allowed(tts={"voice_id": True}))
    assert caught.value.paths == ["tts.stability"]


def test_every_refused_path_is_named() -> None:
    override = {
        "agent": {"first_message": "x", "prompt": {"prompt": "p", "llm": "gpt-4o"}},
        "tts": {"voice_id": "v"},
        "turn": {"turn_timeout": 3},
        "asr": {"keywords": ["k"]},
        "unknown": 1,
    }
    with pytest.raises(OverrideNotAllowed) as caught:
        apply_overrides(agent_config(), override, allowed(agent={"prompt": {"llm": True}}))
    assert caught.value.paths == [
        "agent.first_message",
        "agent.prompt.prompt",
        "tts.voice_id",
        "turn.turn_timeout",
        "asr.keywords",
        "unknown",
    ]
    assert "agent.prompt.prompt" in str(caught.value)


def test_flags_missing_from_allowed_mean_refused() -> None:
    with pytest.raises(OverrideNotAllowed) as caught:
        apply_overrides(agent_config(), {"agent": {"language": "de"}}, {})
    assert caught.value.paths == ["agent.language"]


def test_flag_on_a_whole_object_merges_into_it() -> None:
    config = agent_config(tts={"voice_id": "v1", "stability": 0.2})
    # Stored settings cannot hold this, but the flags of newer SDKs are free-form.
    flags = {"conversation_config_override": {"tts": True}}
    effective, _ = apply_overrides(config, {"tts": {"speed": 0.8}}, flags)
    assert (effective["tts"]["voice_id"], effective["tts"]["speed"]) == ("v1", 0.8)
    assert effective["tts"]["stability"] == 0.2


@pytest.mark.parametrize(
    "override",
    [
        {"text_only": True},  # the Python SDK without an audio interface
        {"conversation": {"text_only": True}},  # the JS SDK in chat mode
        {"text_only": True, "conversation": {"text_only": False}},
    ],
)
def test_text_only_is_always_accepted(override: JsonDict) -> None:
    effective, text_only = apply_overrides(agent_config(), override, NOTHING_ALLOWED)
    assert text_only is True
    assert effective["conversation"]["text_only"] is True


def test_text_only_false_needs_the_flag_to_turn_voice_on() -> None:
    config = agent_config(conversation={"text_only": True})
    for override in ({"text_only": False}, {"conversation": {"text_only": False}}):
        # Without the flag a voice client's `false` is ignored, not refused.
        _, text_only = apply_overrides(config, override, NOTHING_ALLOWED)
        assert text_only is True
        _, text_only = apply_overrides(config, override, allowed(conversation={"text_only": True}))
        assert text_only is False
    assert apply_overrides(agent_config(), {"text_only": False}, NOTHING_ALLOWED)[1] is False


def test_agent_configured_text_only_is_reported() -> None:
    config = agent_config(conversation={"text_only": True})
    assert apply_overrides(config, None, NOTHING_ALLOWED)[1] is True


def test_text_only_must_be_a_boolean() -> None:
    with pytest.raises(InvalidOverride, match="text_only"):
        apply_overrides(agent_config(), {"text_only": "yes"}, NOTHING_ALLOWED)


def test_client_events_narrow_the_agents_list_without_a_flag() -> None:
    config = agent_config(conversation={"client_events": ["audio", "agent_response", "ping"]})
    override = {"conversation": {"client_events": ["agent_response", "vad_score", "ping"]}}
    effective, _ = apply_overrides(config, override, NOTHING_ALLOWED)
    assert effective["conversation"]["client_events"] == ["agent_response", "ping"]


def test_client_events_beyond_the_agents_need_the_flag() -> None:
    config = agent_config(conversation={"client_events": ["audio"]})
    flags = allowed(conversation={"client_events": True})
    override = {"conversation": {"client_events": ["audio", "vad_score"]}}
    effective, _ = apply_overrides(config, override, flags)
    assert effective["conversation"]["client_events"] == ["audio", "vad_score"]
    with pytest.raises(InvalidOverride, match="client_events"):
        apply_overrides(config, {"conversation": {"client_events": ["nope"]}}, flags)
    with pytest.raises(InvalidOverride, match="client_events"):
        apply_overrides(config, {"conversation": {"client_events": "audio"}}, NOTHING_ALLOWED)


def test_invalid_values_are_refused_with_the_validation_message() -> None:
    with pytest.raises(InvalidOverride, match=r"tts\.stability"):
        apply_overrides(agent_config(), {"tts": {"stability": 7}}, EVERYTHING_ALLOWED)
    with pytest.raises(InvalidOverride, match=r"agent\.prompt\.llm"):
        apply_overrides(
            agent_config(), {"agent": {"prompt": {"llm": "no-such-llm"}}}, EVERYTHING_ALLOWED
        )
    with pytest.raises(InvalidOverride, match="must be an object"):
        apply_overrides(agent_config(), {"agent": "x"}, EVERYTHING_ALLOWED)
    with pytest.raises(InvalidOverride):
        apply_overrides(agent_config(), ["x"], EVERYTHING_ALLOWED)  # type: ignore[arg-type]


def test_llm_extra_body_needs_its_flag() -> None:
    body = {"temperature": 0.1, "metadata": {"user": "u"}}
    assert apply_client_llm_extra_body({"custom_llm_extra_body": True}, body) == body
    with pytest.raises(OverrideNotAllowed) as caught:
        apply_client_llm_extra_body(NOTHING_ALLOWED, body)
    assert caught.value.paths == ["custom_llm_extra_body"]
    empties: tuple[JsonDict | None, ...] = (None, {})
    for empty in empties:
        assert apply_client_llm_extra_body(NOTHING_ALLOWED, empty) == {}
