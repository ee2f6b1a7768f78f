"""The typed `SessionSetup` of one conversation, from its validated effective config.

Every default comes from the pydantic models in `schemas/`; nothing here types one again.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from openconvai.audio.formats import AudioFormat
from openconvai.conversation import dynamic_variables as variables
from openconvai.conversation.setup import AgentTool, LanguageOption, SessionSetup
from openconvai.conversation.turn_taking import TurnPolicy
from openconvai.providers.llm.base import ToolSpec
from openconvai.providers.tts.base import Voice
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.schemas.tool_config import (
    TOOL_CONFIG_ADAPTER,
    ClientToolConfig,
    MCPToolConfig,
    SystemToolConfig,
    ToolConfig,
    WebhookToolConfig,
)
from openconvai.tools.system import system_tool_parameters
from openconvai.tools.webhook_schema import llm_parameters

logger = logging.getLogger(__name__)


class SetupRefused(Exception):
    """The conversation cannot be set up (a missing variable, a bad value)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


@dataclass(frozen=True)
class SetupInputs:
    """What, beside the effective config, decides a conversation's setup."""

    conversation_id: str
    agent_id: str
    text_only: bool
    llm_extra_body: Mapping[str, Any]
    client_values: Mapping[str, Any]
    speculative_replies: bool
    max_tool_rounds: int = 5
    # A transport with a fixed wire format (a phone line) sets these; else the agent's.
    input_format: AudioFormat | None = None
    output_format: AudioFormat | None = None
    extra_tools: tuple[ToolConfig, ...] = ()
    caller_id: str | None = None
    called_number: str | None = None
    phone_call: bool = False


def build_setup(config: ConversationalConfig, inputs: SetupInputs) -> SessionSetup:
    """The frozen setup the core runs; `SetupRefused` says why it cannot."""
    agent = config.agent
    prompt = agent.prompt
    try:
        values = variables.resolve_variables(
            placeholders=agent.dynamic_variables.dynamic_variable_placeholders,
            client_values=inputs.client_values,
            system=variables.system_variables(
                agent_id=inputs.agent_id,
                conversation_id=inputs.conversation_id,
                timezone=prompt.timezone,
                caller_id=inputs.caller_id,
                called_number=inputs.called_number,
            ),
        )
        system_prompt = variables.render(prompt.prompt, values)
        first_message = variables.render(agent.first_message, values)
    except variables.MissingDynamicVariable as exc:
        raise SetupRefused("missing_dynamic_variable", str(exc)) from exc
    except ValueError as exc:
        raise SetupRefused("value_error", str(exc)) from exc
    turn = config.turn
    languages = _languages(config, system_prompt, values)
    # A conversation started in one of the presets' languages speaks as that preset says.
    spoken = languages[agent.language or "en"]
    return SessionSetup(
        conversation_id=inputs.conversation_id,
        agent_id=inputs.agent_id,
        system_prompt=spoken.system_prompt,
        first_message=spoken.first_message or first_message,
        llm_model=str(prompt.llm),
        voice=spoken.voice,
        voices=_voices(config),
        input_format=inputs.input_format or AudioFormat.parse(config.asr.user_input_audio_format),
        output_format=inputs.output_format
        or AudioFormat.parse(config.tts.agent_output_audio_format),
        text_only=inputs.text_only,
        language=agent.language or "en",
        asr_keywords=tuple(config.asr.keywords),
        client_events=frozenset(config.conversation.client_events),
        temperature=prompt.temperature,
        max_tokens=prompt.max_tokens if prompt.max_tokens > 0 else None,
        llm_extra_body=dict(inputs.llm_extra_body),
        tools=_tools(config, inputs.extra_tools),
        turn_policy=TurnPolicy.from_eagerness(turn.turn_eagerness),
        turn_timeout_secs=float(turn.turn_timeout),
        silence_end_call_timeout_secs=float(turn.silence_end_call_timeout),
        max_duration_secs=float(config.conversation.max_duration_seconds),
        speculative_replies=inputs.speculative_replies,
        max_tool_rounds=inputs.max_tool_rounds,
        variables=dict(values),
        languages=languages,
        phone_call=inputs.phone_call,
        first_message_interruptible=not agent.disable_first_message_interruptions,
    )


def agent_voice(config: ConversationalConfig) -> Voice:
    """The agent's own voice."""
    tts = config.tts
    return Voice(
        voice_id=tts.voice_id,
        model_id=str(tts.model_id),
        language=config.agent.language or "en",
        stability=tts.stability,
        speed=tts.speed,
        similarity_boost=tts.similarity_boost,
        optimize_streaming_latency=int(tts.optimize_streaming_latency),
    )


def _languages(
    config: ConversationalConfig, system_prompt: str, values: Mapping[str, object]
) -> dict[str, LanguageOption]:
    """The agent's own language and each of its `language_presets`, by code."""
    own = agent_voice(config)
    options = {own.language: LanguageOption(own.language, own, system_prompt)}
    for code, preset in config.language_presets.items():
        overrides = preset.overrides
        agent = overrides.agent
        language = (agent.language if agent and agent.language else None) or code
        voice = replace(own, language=language)
        if overrides.tts is not None and overrides.tts.voice_id:
            voice = replace(voice, voice_id=overrides.tts.voice_id)
        prompt = system_prompt
        if agent is not None and agent.prompt is not None and agent.prompt.prompt:
            prompt = variables.render(agent.prompt.prompt, values)
        first = agent.first_message if agent is not None else None
        if preset.first_message_translation is not None:
            first = first or preset.first_message_translation.text
        first_message = variables.render(first, values) if first else None
        options[code] = LanguageOption(language, voice, prompt, first_message)
    return options


def _voices(config: ConversationalConfig) -> dict[str, Voice]:
    """`tts.supported_voices` by label, each inheriting what it leaves unset."""
    base = agent_voice(config)
    return {
        entry.label: replace(
            base,
            voice_id=entry.voice_id,
            language=entry.language or base.language,
            stability=_or(entry.stability, base.stability),
            speed=_or(entry.speed, base.speed),
            similarity_boost=_or(entry.similarity_boost, base.similarity_boost),
        )
        for entry in config.tts.supported_voices
    }


def _or(value: float | None, default: float) -> float:
    return float(value) if value is not None else default


def parse_tool_configs(raw: Iterable[Any]) -> tuple[ToolConfig, ...]:
    """Tool configs sent as JSON (bare, or under `tool_config`); invalid ones are skipped."""
    tools: list[ToolConfig] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        tool_config = item.get("tool_config", item)
        try:
            tools.append(TOOL_CONFIG_ADAPTER.validate_python(tool_config))
        except ValidationError:
            logger.warning("skipping a tool config that does not validate: %r", tool_config)
    return tuple(tools)


def _tools(config: ConversationalConfig, extra: tuple[ToolConfig, ...]) -> tuple[AgentTool, ...]:
    prompt = config.agent.prompt
    languages = sorted({config.agent.language or "en", *config.language_presets})
    tools = [_agent_tool(tool, languages) for tool in (*prompt.tools, *extra)]
    for name in type(prompt.built_in_tools).model_fields:
        built_in = getattr(prompt.built_in_tools, name)
        if isinstance(built_in, SystemToolConfig):
            tools.append(_agent_tool(built_in, languages, default_name=name))
    return tuple(tools)


def _agent_tool(
    tool: ToolConfig, languages: list[str], *, default_name: str | None = None
) -> AgentTool:
    parameters: dict[str, Any] = {"type": "object", "properties": {}}
    if isinstance(tool, ClientToolConfig | MCPToolConfig) and tool.parameters is not None:
        parameters = tool.parameters.model_dump(mode="json")
    elif isinstance(tool, SystemToolConfig):
        parameters = system_tool_parameters(tool, languages)
    elif isinstance(tool, WebhookToolConfig):
        # Path, query and body parameters as one object, less what the config fills itself.
        parameters = llm_parameters(tool.api_schema)
    system_type = tool.params.system_tool_type if isinstance(tool, SystemToolConfig) else None
    return AgentTool(
        spec=ToolSpec(tool.name or default_name or "", tool.description or "", parameters),
        type=tool.type,
        expects_response=tool.expects_response if isinstance(tool, ClientToolConfig) else False,
        response_timeout_secs=float(tool.response_timeout_secs),
        system_tool_type=system_type,
        config=tool,
        disable_interruptions=tool.disable_interruptions,
        force_pre_tool_speech=tool.force_pre_tool_speech,
    )
