"""Everything a conversation needs to run, resolved before it starts."""

from dataclasses import dataclass
from typing import Any, Literal

from openconvai.audio.formats import AudioFormat
from openconvai.conversation.turn_taking import TurnPolicy
from openconvai.providers.llm.base import ToolSpec
from openconvai.providers.tts.base import Voice

ToolType = Literal["client", "system", "webhook", "mcp"]


@dataclass(frozen=True)
class AgentTool:
    """A tool the agent may call in this conversation."""

    spec: ToolSpec
    type: ToolType
    expects_response: bool = False
    response_timeout_secs: float = 20.0
    system_tool_type: str | None = None
    # The tool's whole validated config, for the runner of its kind (the core never reads it).
    config: object = None
    # Time the call may spend waiting for the user before it runs (an MCP approval).
    approval_wait_secs: float = 0.0
    # The user may not interrupt the agent while this tool runs.
    disable_interruptions: bool = False
    # The agent says a short filler before the tool runs.
    force_pre_tool_speech: bool = False


@dataclass(frozen=True)
class LanguageOption:
    """A language the agent can switch to (its own, or one of its `language_presets`)."""

    language: str
    voice: Voice
    system_prompt: str
    # Said on switching to it (the preset's first message), if it has one.
    first_message: str | None = None


@dataclass(frozen=True)
class SessionSetup:
    """The resolved configuration of one conversation (agent config, overrides, variables)."""

    conversation_id: str
    agent_id: str
    system_prompt: str
    first_message: str
    llm_model: str
    voice: Voice
    input_format: AudioFormat
    output_format: AudioFormat
    # Every field below comes from the agent's validated config (its defaults live in
    # `schemas/`), the client's overrides or the server's settings: none has a default here.
    text_only: bool
    language: str
    asr_keywords: tuple[str, ...]
    client_events: frozenset[str]
    temperature: float | None
    max_tokens: int | None
    llm_extra_body: dict[str, Any]
    tools: tuple[AgentTool, ...]
    turn_policy: TurnPolicy
    turn_timeout_secs: float
    silence_end_call_timeout_secs: float
    max_duration_secs: float
    first_message_interruptible: bool
    speculative_replies: bool
    # Tool rounds per turn before the LLM must answer without tools.
    max_tool_rounds: int
    # The conversation's dynamic variables when it starts (tools may change them later).
    variables: dict[str, str | int | float | bool]
    # The languages `language_detection` may switch to, by code.
    languages: dict[str, LanguageOption]
    # Whether a phone line carries it (phone-only tools need one).
    phone_call: bool
    # `tts.supported_voices` by label: text the LLM wraps in <Label>...</Label> is said by it.
    voices: dict[str, Voice]
    # Said while a tool with `force_pre_tool_speech` runs, when the model said nothing yet.
    pre_tool_speech: str = "One moment, please."
    # Spoken when a provider fails mid-reply, so the user is not left in silence.
    fallback_message: str = "Sorry, I had a problem answering. Could you say that again?"

    def voice_for(self, label: str | None) -> Voice:
        """The voice of a markup label; the agent's own for None or an unknown label."""
        return self.voices.get(label, self.voice) if label is not None else self.voice

    def tool(self, name: str) -> AgentTool | None:
        """The agent's tool called `name`, if it has one."""
        return next((tool for tool in self.tools if tool.spec.name == name), None)
