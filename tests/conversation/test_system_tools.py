"""System tools in the core on a scripted timeline: skip_turn, language_detection, the
phone-only ones, and the preset a conversation starting in another language gets."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from openconvai.conversation.events import (
    AgentAudio,
    AgentResponse,
    AgentToolRequest,
    AgentToolResponse,
)
from openconvai.conversation.setup import SessionSetup
from openconvai.providers.llm.base import LanguageModel, LlmEvent, LlmRequest, TextDelta, ToolCall
from openconvai.providers.tts.base import Voice
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.services.session_setup import SetupInputs, build_setup
from tests.support.core import ALL_EVENTS, start

pytestmark = pytest.mark.looptime

PRESETS = {
    "fr": {
        "overrides": {
            "tts": {"voice_id": "voix-francaise"},
            "agent": {"first_message": "Bonjour, je vous écoute.", "prompt": {"prompt": "Parle."}},
        }
    },
    "de": {"overrides": {"tts": {"voice_id": "deutsche-stimme"}}},
}


def system_tool(kind: str, **params: Any) -> dict[str, Any]:
    return {
        "type": "system",
        "name": kind,
        "description": f"The {kind} tool",
        "params": {"system_tool_type": kind, **params},
    }


def setup_with(language: str = "en", **built_in: dict[str, Any]) -> SessionSetup:
    config = ConversationalConfig.model_validate(
        {
            "agent": {
                "language": language,
                "first_message": "",
                "prompt": {"prompt": "Speak.", "built_in_tools": built_in},
            },
            "tts": {"voice_id": "english-voice"},
            "language_presets": PRESETS,
        }
    )
    inputs = SetupInputs("conv_t", "agent_t", False, {}, {}, speculative_replies=True)
    events = ALL_EVENTS | {"agent_tool_request", "agent_tool_response_full_payload"}
    return replace(build_setup(config, inputs), llm_model="scripted", client_events=events)


class CallsThenTalks(LanguageModel):
    """Calls `tool` with `arguments` on the first user turn; then echoes what it is told."""

    def __init__(self, tool: str, arguments: dict[str, Any]) -> None:
        self.tool, self.arguments = tool, arguments
        self.requests: list[LlmRequest] = []

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        self.requests.append(request)
        last = request.messages[-1]
        if len(self.requests) == 1:
            yield ToolCall("call_1", self.tool, self.arguments)
        else:
            yield TextDelta(f"[{request.messages[0].content}] {last.content}")


async def test_skip_turn_keeps_the_agent_silent() -> None:
    model = CallsThenTalks("skip_turn", {"reason": "thinking aloud"})
    h = await start(setup_with(skip_turn=system_tool("skip_turn")), model=model)
    await h.session.user_text("hmm, let me think")
    await asyncio.sleep(3)
    assert h.of(AgentResponse) == [] and h.of(AgentAudio) == []
    assert len(model.requests) == 1  # the LLM is not asked again this turn
    ((_, done),) = h.of(AgentToolResponse)
    assert done.tool_name == "skip_turn" and not done.is_error
    await h.session.user_text("ok go")
    await asyncio.sleep(3)
    assert h.of(AgentResponse)[-1][1].text == "[Speak.] ok go"


async def test_language_detection_switches_voice_prompt_and_says_the_preset_greeting() -> None:
    model = CallsThenTalks("language_detection", {"language": "fr"})
    h = await start(setup_with(language_detection=system_tool("language_detection")), model=model)
    spec = h.session.setup.tool("language_detection")
    assert spec is not None
    assert spec.spec.parameters["properties"]["language"]["enum"] == ["de", "en", "fr"]
    await h.session.user_text("je voudrais parler français")
    await asyncio.sleep(6)
    assert h.session.setup.language == "fr"
    assert h.session.setup.voice.voice_id == "voix-francaise"
    responses = [event.text for _, event in h.of(AgentResponse)]
    assert responses == ["Bonjour, je vous écoute."]
    # The greeting was spoken, as a response of its own.
    greeting_id = h.of(AgentResponse)[0][1].event_id
    assert any(event.event_id == greeting_id for _, event in h.of(AgentAudio))
    await h.session.user_text("merci")
    await asyncio.sleep(4)
    assert h.of(AgentResponse)[-1][1].text == "[Parle.] merci"
    record = h.log.turns[1].tool_calls[0]
    assert record.details == {
        "result_type": "language_detection_success", "status": "success",
        "reason": None, "language": "fr",
    }  # fmt: skip


async def test_language_detection_refuses_a_language_the_agent_lacks() -> None:
    model = CallsThenTalks("language_detection", {"language": "ja"})
    h = await start(setup_with(language_detection=system_tool("language_detection")), model=model)
    await h.session.user_text("日本語で")
    await asyncio.sleep(4)
    assert h.session.setup.language == "en"
    ((_, response),) = h.of(AgentResponse)
    assert "not one of this agent's languages (de, en, fr)" in response.text


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("transfer_to_number", {"transfers": [{"phone_number": "+15550100", "condition": "x"}]}),
        ("play_keypad_touch_tone", {}),
        ("voicemail_detection", {}),
    ],
)
async def test_phone_only_tools_say_so_on_a_web_call(kind: str, params: dict[str, Any]) -> None:
    model = CallsThenTalks(kind, {})
    h = await start(setup_with(**{kind: system_tool(kind, **params)}), model=model)
    await h.session.user_text("please do it")
    await asyncio.sleep(4)
    ((_, request),) = h.of(AgentToolRequest)
    assert request.tool_type == "system"
    ((_, done),) = h.of(AgentToolResponse)
    assert done.is_error
    assert "works on phone calls only" in h.of(AgentResponse)[-1][1].text


def test_a_conversation_started_in_a_preset_language_speaks_as_the_preset_says() -> None:
    setup = setup_with(language="fr")
    assert setup.voice == Voice("voix-francaise", setup.voice.model_id, language="fr")
    assert setup.system_prompt == "Parle."
    assert setup.first_message == "Bonjour, je vous écoute."
    german = setup_with(language="de")
    assert german.voice.voice_id == "deutsche-stimme"
    assert german.system_prompt == "Speak." and german.first_message == ""
