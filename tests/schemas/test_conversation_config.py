"""conversation_config models against the OA snapshot and SDK 2.78."""

import importlib
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from openconvai.schemas import conversation_config as cc
from openconvai.schemas.conversation_config import ConversationalConfig, PromptAgent
from openconvai.schemas.tool_config import ClientToolConfig, SystemToolConfig, WebhookToolConfig
from tests.schemas.oa_defaults import (
    literal_values,
    needs_reference,
    oa_default_paths,
    oa_property_paths,
    oa_schemas,
    value_at,
)

ROOT_SCHEMAS = ["ConversationalConfigAPIModel-Output", "ConversationalConfigAPIModel-Input"]


def _webhook_tool() -> dict[str, Any]:
    return {
        "type": "webhook",
        "name": "lookup_order",
        "description": "Look an order up",
        "assignments": [{"dynamic_variable": "status", "value_path": "data.status"}],
        "api_schema": {
            "url": "https://example.com/orders/{order_id}",
            "path_params_schema": {"order_id": {"type": "string"}},
            "query_params_schema": {"properties": {"verbose": {"type": "boolean"}}},
            "request_body_schema": {
                "properties": {
                    "note": {"type": "string"},
                    "items": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"sku": {"type": "string"}}},
                    },
                }
            },
            "request_headers": {"Authorization": {"secret_id": "s1"}, "X-User": "u"},
            "auth_connection": {"auth_connection_id": "a1"},
        },
    }


def _system(name: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"type": "system", "name": name, "description": "", "params": params}


# Every nested list and map populated, so the walk also reaches item and value defaults.
POPULATED: dict[str, Any] = {
    "asr": {"keywords": ["openconvai"]},
    "tts": {
        "supported_voices": [{"label": "Alt", "voice_id": "v2"}],
        "pronunciation_dictionary_locators": [
            {"pronunciation_dictionary_id": "d1", "version_id": None}
        ],
    },
    "language_presets": {
        "de": {
            "overrides": {
                "tts": {"voice_id": "v3"},
                "conversation": {"text_only": True},
                "agent": {"first_message": "Hallo", "prompt": {"prompt": "Sprich Deutsch"}},
            },
            "first_message_translation": {"source_hash": "h", "text": "Hallo"},
        }
    },
    "agent": {
        "dynamic_variables": {"dynamic_variable_placeholders": {"user": "x", "n": 1}},
        "prompt": {
            "knowledge_base": [{"type": "text", "name": "FAQ", "id": "kb1"}],
            "custom_llm": {"url": "https://llm.example/v1", "api_key": {"secret_id": "k"}},
            "built_in_tools": {
                "end_call": _system("end_call", {"system_tool_type": "end_call"}),
                "language_detection": _system(
                    "language_detection", {"system_tool_type": "language_detection"}
                ),
                "transfer_to_agent": _system(
                    "transfer_to_agent",
                    {
                        "system_tool_type": "transfer_to_agent",
                        "transfers": [{"agent_id": "a2", "condition": "asks for sales"}],
                    },
                ),
                "transfer_to_number": _system(
                    "transfer_to_number",
                    {
                        "system_tool_type": "transfer_to_number",
                        "transfers": [
                            {
                                "transfer_destination": {"type": "phone", "phone_number": "+1"},
                                "condition": "asks for a human",
                            },
                            {
                                "transfer_destination": {"type": "sip_uri", "sip_uri": "sip:a@b"},
                                "condition": "asks for support",
                            },
                        ],
                    },
                ),
                "skip_turn": _system("skip_turn", {"system_tool_type": "skip_turn"}),
                "play_keypad_touch_tone": _system(
                    "play_keypad_touch_tone", {"system_tool_type": "play_keypad_touch_tone"}
                ),
                "voicemail_detection": _system(
                    "voicemail_detection", {"system_tool_type": "voicemail_detection"}
                ),
            },
            "tools": [
                _webhook_tool(),
                {
                    "type": "client",
                    "name": "show_map",
                    "description": "Show a map",
                    "parameters": {"properties": {"city": {"type": "string"}}},
                },
                {
                    "type": "mcp",
                    "name": "search",
                    "description": "Search",
                    "integration_type": "mcp_server",
                    "mcp_tool_name": "search",
                    "mcp_tool_description": "Search the web",
                    "mcp_server_id": "m1",
                    "mcp_server_name": "web",
                },
            ],
        },
    },
}


def _dump(data: dict[str, Any]) -> dict[str, Any]:
    return ConversationalConfig.model_validate(data).model_dump(mode="json")


def _nested(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    document: Any = value
    for key in reversed(path):
        document = {key: document}
    result: dict[str, Any] = document
    return result


def _error_locs(data: dict[str, Any]) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as caught:
        ConversationalConfig.model_validate(data)
    return [tuple(error["loc"]) for error in caught.value.errors()]


# --- Defaults -----------------------------------------------------------------------------


def test_empty_config_dumps_every_section() -> None:
    dumped = _dump({})
    assert set(dumped) == {"asr", "turn", "tts", "conversation", "language_presets", "agent"}
    assert dumped["agent"]["prompt"]["llm"] == "gemini-2.0-flash"
    assert dumped["agent"]["prompt"]["rag"]["max_documents_length"] == 50000
    assert dumped["tts"]["voice_id"] == "cjVigY5qzO86Huf0OWal"
    assert "user_transcript" in dumped["conversation"]["client_events"]
    assert "agent_response" in dumped["conversation"]["client_events"]


@needs_reference
@pytest.mark.parametrize("schema", ROOT_SCHEMAS)
@pytest.mark.parametrize("data", [{}, POPULATED], ids=["empty", "populated"])
def test_dump_holds_every_oa_default(schema: str, data: dict[str, Any]) -> None:
    dumped = _dump(data)
    defaults = oa_default_paths(schema, dumped)
    assert len(defaults) > 20
    wrong = {
        path: (value_at(dumped, path), expected)
        for path, expected in defaults.items()
        if value_at(dumped, path) != expected
    }
    assert wrong == {}


@needs_reference
@pytest.mark.parametrize("schema", ROOT_SCHEMAS)
@pytest.mark.parametrize("data", [{}, POPULATED], ids=["empty", "populated"])
def test_dump_has_every_oa_property(schema: str, data: dict[str, Any]) -> None:
    dumped = _dump(data)
    missing = []
    for path in oa_property_paths(schema, dumped):
        try:
            value_at(dumped, path)
        except (KeyError, IndexError):
            missing.append(path)
    assert missing == []


@needs_reference
def test_system_tool_params_defaults_match_oa() -> None:
    # The shared walk picks union members by "type"; params are tagged by system_tool_type.
    dumped = _dump(POPULATED)["agent"]["prompt"]["built_in_tools"]
    for key, schema in [
        ("transfer_to_agent", "TransferToAgentToolConfig"),
        ("transfer_to_number", "TransferToNumberToolConfig-Output"),
    ]:
        params = dumped[key]["params"]
        for path, expected in oa_default_paths(schema, params).items():
            assert value_at(params, path) == expected, (key, path)
    assert dumped["transfer_to_number"]["params"]["transfers"][0]["transfer_type"] == "conference"
    assert dumped["transfer_to_agent"]["params"]["transfers"][0]["delay_ms"] == 0


def test_partial_config_keeps_the_other_defaults() -> None:
    dumped = _dump({"agent": {"first_message": "Hi", "prompt": {"prompt": "Be nice"}}})
    assert dumped["agent"]["first_message"] == "Hi"
    assert dumped["agent"]["language"] == "en"
    assert dumped["agent"]["prompt"]["prompt"] == "Be nice"
    assert dumped["agent"]["prompt"]["temperature"] == 0
    assert dumped["asr"]["user_input_audio_format"] == "pcm_16000"


def test_dump_round_trips() -> None:
    dumped = _dump(POPULATED)
    assert _dump(dumped) == dumped
    reparsed = ConversationalConfig.model_validate_json(
        ConversationalConfig.model_validate(POPULATED).model_dump_json()
    )
    assert reparsed.model_dump(mode="json") == dumped


def test_inline_tools_parse_by_type() -> None:
    prompt = ConversationalConfig.model_validate(POPULATED).agent.prompt
    assert [type(tool).__name__ for tool in prompt.tools] == [
        "WebhookToolConfig",
        "ClientToolConfig",
        "MCPToolConfig",
    ]
    assert isinstance(prompt.tools[0], WebhookToolConfig)
    assert isinstance(prompt.tools[1], ClientToolConfig)
    assert isinstance(prompt.built_in_tools.end_call, SystemToolConfig)


# --- Enums --------------------------------------------------------------------------------

ENUMS = [
    (cc.LLM, "LLM", "Llm"),
    (cc.ASRProvider, "ASRProvider", "AsrProvider"),
    (cc.ASRQuality, "ASRQuality", "AsrQuality"),
    (cc.AudioFormat, "ASRInputFormat", "AsrInputFormat"),
    (cc.AudioFormat, "TTSOutputFormat", "TtsOutputFormat"),
    (cc.TTSModel, "TTSConversationalModel", "TtsConversationalModel"),
    (cc.TTSModelFamily, "TTSModelFamily", "TtsModelFamily"),
    (cc.TTSOptimizeStreamingLatency, "TTSOptimizeStreamingLatency", None),
    (cc.ClientEvent, "ClientEvent", "ClientEvent"),
    (cc.TurnMode, "TurnMode", "TurnMode"),
    (cc.EmbeddingModel, "EmbeddingModelEnum", "EmbeddingModelEnum"),
    (cc.KnowledgeBaseDocumentType, "KnowledgeBaseDocumentType", "KnowledgeBaseDocumentType"),
    (cc.DocumentUsageMode, "DocumentUsageModeEnum", "DocumentUsageModeEnum"),
]


@needs_reference
@pytest.mark.parametrize(("alias", "oa_name", "sdk_name"), ENUMS)
def test_enum_accepts_every_oa_value(alias: Any, oa_name: str, sdk_name: str | None) -> None:
    assert set(oa_schemas()[oa_name]["enum"]) <= set(get_args(alias))


@pytest.mark.parametrize(
    ("alias", "oa_name", "sdk_name"), [row for row in ENUMS if row[2] is not None]
)
def test_enum_accepts_every_sdk_value(alias: Any, oa_name: str, sdk_name: str) -> None:
    # (An enum the SDK types as a plain int has no SDK values to compare.)
    import elevenlabs.types as sdk_types

    sdk_values = literal_values(getattr(sdk_types, sdk_name))
    assert sdk_values
    assert sdk_values <= set(get_args(alias))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("asr", "provider"), "scribe_realtime"),
        (("tts", "model_id"), "eleven_v3_conversational"),
        (("agent", "prompt", "llm"), "claude-sonnet-4-5"),
        (("agent", "prompt", "llm"), "custom-llm"),
        (("conversation", "client_events"), ["agent_chat_response_part", "audio"]),
        (("agent", "prompt", "temperature"), None),
    ],
)
def test_sdk_only_values_are_accepted(path: tuple[str, ...], value: Any) -> None:
    assert value_at(_dump(_nested(path, value)), path) == value


def test_sdk_only_shapes_are_accepted() -> None:
    prompt = {
        "knowledge_base": [{"type": "folder", "name": "F", "id": "f"}],
        "built_in_tools": {
            # SDK 2.78 lets a system tool leave out its description.
            "end_call": {
                "type": "system",
                "name": "end_call",
                "params": {"system_tool_type": "end_call"},
            }
        },
    }
    dumped = _dump({"agent": {"prompt": prompt}})["agent"]["prompt"]
    assert dumped["knowledge_base"][0]["type"] == "folder"
    assert dumped["built_in_tools"]["end_call"]["description"] == ""


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        (("asr", "provider"), "whisper", ("asr", "provider")),
        (("asr", "quality"), "low", ("asr", "quality")),
        (("asr", "user_input_audio_format"), "mp3_44100", ("asr", "user_input_audio_format")),
        (("turn", "mode"), "vad", ("turn", "mode")),
        (("tts", "model_id"), "eleven_v9", ("tts", "model_id")),
        (("tts", "agent_output_audio_format"), "pcm_11025", ("tts", "agent_output_audio_format")),
        (("tts", "optimize_streaming_latency"), 5, ("tts", "optimize_streaming_latency")),
        (("conversation", "client_events"), ["nope"], ("conversation", "client_events", 0)),
        (("agent", "prompt", "llm"), "gpt-99", ("agent", "prompt", "llm")),
        (
            ("agent", "prompt", "rag", "embedding_model"),
            "ada",
            ("agent", "prompt", "rag", "embedding_model"),
        ),
        (
            ("agent", "prompt", "knowledge_base"),
            [{"type": "pdf", "name": "n", "id": "i"}],
            ("agent", "prompt", "knowledge_base", 0, "type"),
        ),
    ],
)
def test_unknown_enum_value_is_rejected(
    path: tuple[str, ...], value: Any, loc: tuple[str | int, ...]
) -> None:
    assert loc in _error_locs(_nested(path, value))


# --- Bounds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("tts", "stability"), 1.01),
        (("tts", "stability"), -0.1),
        (("tts", "speed"), 0.69),
        (("tts", "speed"), 1.21),
        (("tts", "similarity_boost"), 1.5),
        (("agent", "prompt", "rag", "max_vector_distance"), 0),
        (("agent", "prompt", "rag", "max_vector_distance"), 1),
        (("agent", "prompt", "rag", "max_documents_length"), 0),
        (("agent", "prompt", "rag", "max_documents_length"), 10_000_000),
        (("agent", "prompt", "rag", "max_retrieved_rag_chunks_count"), 0),
        (("agent", "prompt", "rag", "max_retrieved_rag_chunks_count"), 21),
        (("agent", "prompt", "mcp_server_ids"), [str(i) for i in range(11)]),
        (("agent", "prompt", "native_mcp_server_ids"), [str(i) for i in range(11)]),
    ],
)
def test_out_of_range_value_is_rejected(path: tuple[str, ...], value: Any) -> None:
    assert path in _error_locs(_nested(path, value))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("tts", "stability"), 0),
        (("tts", "stability"), 1),
        (("tts", "speed"), 0.7),
        (("tts", "speed"), 1.2),
        (("agent", "prompt", "rag", "max_retrieved_rag_chunks_count"), 20),
        (("agent", "prompt", "mcp_server_ids"), [str(i) for i in range(10)]),
    ],
)
def test_boundary_value_is_accepted(path: tuple[str, ...], value: Any) -> None:
    assert value_at(_dump(_nested(path, value)), path) == value


def test_supported_voice_is_checked() -> None:
    locs = _error_locs({"tts": {"supported_voices": [{"label": "", "voice_id": "v", "speed": 2}]}})
    assert ("tts", "supported_voices", 0, "label") in locs
    assert ("tts", "supported_voices", 0, "speed") in locs


def test_required_fields_are_enforced() -> None:
    locs = _error_locs({"language_presets": {"fr": {}}})
    assert ("language_presets", "fr", "overrides") in locs
    locs = _error_locs({"agent": {"prompt": {"custom_llm": {"model_id": "m"}}}})
    assert ("agent", "prompt", "custom_llm", "url") in locs


# --- Unknown fields -----------------------------------------------------------------------


def test_unknown_fields_round_trip() -> None:
    data = {
        "vad": {"background_voice_detection": True},
        "turn": {"turn_eagerness": "eager", "turn_model": "turn_v2"},
        "tts": {"expressive_mode": True, "suggested_audio_tags": [{"tag": "laughs"}]},
        "conversation": {"monitoring_enabled": True},
        "language_presets": {
            "es": {"overrides": {"tts": {"stability": 0.3}}, "soft_timeout_translation": "x"}
        },
        "agent": {
            "hinglish_mode": False,
            "prompt": {"reasoning_effort": "low", "backup_llm_config": {"preference": "default"}},
        },
    }
    dumped = _dump(data)
    assert dumped["vad"] == {"background_voice_detection": True}
    assert dumped["turn"]["turn_eagerness"] == "eager"
    assert dumped["turn"]["turn_timeout"] == 7
    assert dumped["tts"]["suggested_audio_tags"] == [{"tag": "laughs"}]
    assert dumped["conversation"]["monitoring_enabled"] is True
    assert dumped["language_presets"]["es"]["overrides"]["tts"]["stability"] == 0.3
    assert dumped["language_presets"]["es"]["soft_timeout_translation"] == "x"
    assert dumped["agent"]["hinglish_mode"] is False
    assert dumped["agent"]["prompt"]["backup_llm_config"] == {"preference": "default"}
    assert _dump(dumped) == dumped


def test_model_id_field_is_plain() -> None:
    prompt = PromptAgent.model_validate(
        {"llm": "custom-llm", "custom_llm": {"url": "https://x", "model_id": "m"}}
    )
    assert prompt.custom_llm is not None
    assert prompt.custom_llm.model_id == "m"


# --- The official SDK ---------------------------------------------------------------------


def test_sdk_request_body_is_accepted() -> None:
    """A config built with SDK 2.78 types, serialised the way its client sends it."""
    types = importlib.import_module("elevenlabs.types")
    encoder = importlib.import_module("elevenlabs.core.jsonable_encoder")
    serialization = importlib.import_module("elevenlabs.core.serialization")
    sdk_config = types.ConversationalConfig(
        turn=types.TurnConfig(turn_eagerness="eager"),
        tts=types.TtsConversationalConfigOutput(
            model_id="eleven_v3_conversational", expressive_mode=True
        ),
        agent=types.AgentConfig(
            first_message="Hi",
            prompt=types.PromptAgentApiModelOutput(
                prompt="p",
                llm="claude-sonnet-4-5",
                temperature=None,
                tools=[
                    types.PromptAgentApiModelOutputToolsItem_Client(
                        name="show", description="d", expects_response=True
                    ),
                    types.PromptAgentApiModelOutputToolsItem_System(
                        name="end_call", params=types.SystemToolConfigOutputParams_EndCall()
                    ),
                ],
            ),
        ),
    )
    body = encoder.jsonable_encoder(
        serialization.convert_and_respect_annotation_metadata(
            object_=sdk_config, annotation=types.ConversationalConfig, direction="write"
        )
    )
    dumped = _dump(body)
    assert dumped["turn"]["turn_eagerness"] == "eager"
    assert dumped["agent"]["prompt"]["temperature"] is None
    assert dumped["agent"]["prompt"]["tools"][1]["params"] == {"system_tool_type": "end_call"}
    assert dumped["agent"]["prompt"]["rag"]["enabled"] is False


@pytest.mark.parametrize("data", [{}, POPULATED], ids=["empty", "populated"])
def test_sdk_parses_our_dump(data: dict[str, Any]) -> None:
    types = importlib.import_module("elevenlabs.types")
    dumped = _dump(data)
    # SDK 2.78 models an MCP tool as an opaque value, which strict validation refuses.
    tools = dumped["agent"]["prompt"]["tools"]
    dumped["agent"]["prompt"]["tools"] = [tool for tool in tools if tool["type"] != "mcp"]
    parsed = types.ConversationalConfig.model_validate(dumped)
    assert parsed.agent.prompt.llm == "gemini-2.0-flash"
