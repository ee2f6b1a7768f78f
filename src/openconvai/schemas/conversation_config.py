"""An agent's ``conversation_config``: ASR, turn taking, TTS, conversation, agent and prompt.

One model serves both the OA ``ConversationalConfigAPIModel-Input`` and ``-Output`` trees.
Every field carries the OA server default, so ``ConversationalConfig.model_validate({})``
dumps the complete config a freshly created agent has. Enums are the union of the OA
snapshot and SDK 2.78 values; anything else is refused.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from openconvai.schemas.base import ContractModel
from openconvai.schemas.conversation_enums import (
    LLM,
    ASRInputFormat,
    ASRProvider,
    ASRQuality,
    AudioFormat,
    ClientEvent,
    DocumentUsageMode,
    EmbeddingModel,
    KnowledgeBaseDocumentType,
    TTSConversationalModel,
    TTSModel,
    TTSModelFamily,
    TTSOptimizeStreamingLatency,
    TTSOutputFormat,
    TurnEagerness,
    TurnMode,
)
from openconvai.schemas.secret_refs import ConvAIEnvVarLocator, ConvAISecretLocator
from openconvai.schemas.tool_config import (
    DynamicVariablesConfig,
    RequestHeaderValue,
    SystemToolConfig,
    ToolConfig,
)

__all__ = [
    "LLM",
    "ASRConversationalConfig",
    "ASRInputFormat",
    "ASRProvider",
    "ASRQuality",
    "AgentConfig",
    "AgentConfigOverride",
    "AudioFormat",
    "BuiltInTools",
    "ClientEvent",
    "ConversationConfig",
    "ConversationConfigClientOverride",
    "ConversationConfigOverride",
    "ConversationalConfig",
    "CustomLLM",
    "DocumentUsageMode",
    "EmbeddingModel",
    "KnowledgeBaseDocumentType",
    "KnowledgeBaseLocator",
    "LanguagePreset",
    "LanguagePresetTranslation",
    "PromptAgent",
    "PromptAgentAPIModelOverride",
    "PydanticPronunciationDictionaryVersionLocator",
    "RagConfig",
    "SupportedVoice",
    "TTSConversationalConfig",
    "TTSConversationalConfigOverride",
    "TTSConversationalModel",
    "TTSModel",
    "TTSModelFamily",
    "TTSOptimizeStreamingLatency",
    "TTSOutputFormat",
    "TurnConfig",
    "TurnEagerness",
    "TurnMode",
]

# --- ASR and turn taking ------------------------------------------------------------------


class ASRConversationalConfig(ContractModel):
    """Speech recognition of the user's audio."""

    quality: ASRQuality = Field(default="high", description="The quality of the transcription")
    provider: ASRProvider = Field(default="elevenlabs", description="The transcription provider")
    user_input_audio_format: AudioFormat = Field(
        default="pcm_16000", description="The format of the user's audio"
    )
    keywords: list[str] = Field(
        default_factory=list, description="Keywords to boost prediction probability for"
    )


class TurnConfig(ContractModel):
    """Turn taking: how long to wait for the user."""

    turn_timeout: float = Field(
        default=7.0, description="Seconds to wait for the user's reply before re-engaging"
    )
    silence_end_call_timeout: float = Field(
        default=-1.0, description="Seconds of user silence before ending the call; -1 never"
    )
    mode: TurnMode = Field(default="turn", description="The mode of turn detection")
    # SDK 2.78 only.
    turn_eagerness: TurnEagerness = Field(
        default="normal", description="How soon a pause ends the user's turn"
    )


# --- TTS ----------------------------------------------------------------------------------


class SupportedVoice(ContractModel):
    """An additional voice the agent may switch to."""

    label: str = Field(min_length=1)
    voice_id: str = Field(min_length=1)
    description: str | None = None
    language: str | None = None
    model_family: TTSModelFamily | None = None
    optimize_streaming_latency: TTSOptimizeStreamingLatency | None = None
    stability: float | None = Field(default=None, ge=0, le=1)
    speed: float | None = Field(default=None, ge=0.7, le=1.2)
    similarity_boost: float | None = Field(default=None, ge=0, le=1)


class PydanticPronunciationDictionaryVersionLocator(ContractModel):
    """A specific version of a pronunciation dictionary."""

    pronunciation_dictionary_id: str = Field(description="The pronunciation dictionary's ID")
    # Required (but nullable) in the OA; SDK 2.78 may leave it out.
    version_id: str | None = Field(default=None, description="The dictionary version's ID")


class TTSConversationalConfig(ContractModel):
    """Speech synthesis of the agent's replies."""

    model_config = ConfigDict(protected_namespaces=())

    model_id: TTSModel = Field(default="eleven_turbo_v2", description="The TTS model")
    voice_id: str = Field(default="cjVigY5qzO86Huf0OWal", description="The voice ID")
    supported_voices: list[SupportedVoice] = Field(
        default_factory=list, description="Additional supported voices for the agent"
    )
    agent_output_audio_format: AudioFormat = Field(
        default="pcm_16000", description="The format of the agent's audio"
    )
    optimize_streaming_latency: TTSOptimizeStreamingLatency = Field(
        default=3, description="The optimization for streaming latency"
    )
    stability: float = Field(default=0.5, ge=0, le=1)
    speed: float = Field(default=1.0, ge=0.7, le=1.2)
    similarity_boost: float = Field(default=0.8, ge=0, le=1)
    pronunciation_dictionary_locators: list[PydanticPronunciationDictionaryVersionLocator] = Field(
        default_factory=list
    )


# --- Conversation -------------------------------------------------------------------------


def _default_client_events() -> list[ClientEvent]:
    # The OA states no default. These are the events the official SDKs' callbacks are built
    # on (audio, barge-in, transcripts, replies and their streamed text parts), so a client
    # talking to an agent created with `{}` gets what it expects without opting in.
    return [
        "audio",
        "interruption",
        "user_transcript",
        "agent_response",
        "agent_response_correction",
        "agent_chat_response_part",
    ]


class ConversationConfig(ContractModel):
    """Conversation-wide settings: text only, duration cap and which events clients get."""

    text_only: bool = Field(
        default=False, description="If true, no audio is processed: text in, text out"
    )
    max_duration_seconds: int = Field(
        default=600, description="The maximum duration of a conversation in seconds"
    )
    client_events: list[ClientEvent] = Field(
        default_factory=_default_client_events,
        description="The events that will be sent to the client",
    )


# --- Overrides and language presets -------------------------------------------------------


class TTSConversationalConfigOverride(ContractModel):
    """TTS settings a client or language preset may override."""

    voice_id: str | None = None


class ConversationConfigOverride(ContractModel):
    """Conversation settings a client or language preset may override."""

    text_only: bool | None = None


class PromptAgentAPIModelOverride(ContractModel):
    """Prompt settings a client or language preset may override."""

    prompt: str | None = None
    native_mcp_server_ids: list[str] | None = None


class AgentConfigOverride(ContractModel):
    """Agent settings a client or language preset may override."""

    first_message: str | None = None
    language: str | None = None
    prompt: PromptAgentAPIModelOverride | None = None


class ConversationConfigClientOverride(ContractModel):
    """A partial conversation config laid over the agent's for one language or client."""

    tts: TTSConversationalConfigOverride | None = None
    conversation: ConversationConfigOverride | None = None
    agent: AgentConfigOverride | None = None


class LanguagePresetTranslation(ContractModel):
    """A translated first message, tied to the hash of the text it translates."""

    source_hash: str
    text: str


class LanguagePreset(ContractModel):
    """Overrides applied when a conversation runs in a given language."""

    overrides: ConversationConfigClientOverride
    first_message_translation: LanguagePresetTranslation | None = None


# --- Prompt -------------------------------------------------------------------------------


class BuiltInTools(ContractModel):
    """The system tools enabled for the agent; null means disabled."""

    end_call: SystemToolConfig | None = None
    language_detection: SystemToolConfig | None = None
    transfer_to_agent: SystemToolConfig | None = None
    transfer_to_number: SystemToolConfig | None = None
    skip_turn: SystemToolConfig | None = None
    play_keypad_touch_tone: SystemToolConfig | None = None
    voicemail_detection: SystemToolConfig | None = None


class KnowledgeBaseLocator(ContractModel):
    """A knowledge base document attached to the agent."""

    type: KnowledgeBaseDocumentType
    name: str
    id: str
    usage_mode: DocumentUsageMode = Field(
        default="auto", description="'prompt' always includes it, 'auto' retrieves by RAG"
    )


class CustomLLM(ContractModel):
    """A Chat Completions compatible endpoint, used when ``llm`` is ``custom-llm``."""

    model_config = ConfigDict(protected_namespaces=())

    url: str = Field(description="The URL of the Chat Completions compatible endpoint")
    model_id: str | None = Field(
        default=None, description="The model ID, if the URL serves several models"
    )
    # The env var locator is SDK 2.78 only.
    api_key: ConvAISecretLocator | ConvAIEnvVarLocator | None = None
    request_headers: dict[str, RequestHeaderValue] = Field(default_factory=dict)
    api_version: str | None = None


class RagConfig(ContractModel):
    """Retrieval from the agent's knowledge base."""

    enabled: bool = False
    embedding_model: EmbeddingModel = "e5_mistral_7b_instruct"
    max_vector_distance: float = Field(
        default=0.6, gt=0, lt=1, description="Maximum vector distance of retrieved chunks"
    )
    max_documents_length: int = Field(
        default=50000, gt=0, lt=10_000_000, description="Maximum total length of chunks"
    )
    max_retrieved_rag_chunks_count: int = Field(
        default=20, gt=0, le=20, description="Chunks to retrieve before filtering"
    )


class PromptAgent(ContractModel):
    """The agent's LLM, system prompt, tools and knowledge."""

    prompt: str = Field(default="", description="The system prompt; may use {{variables}}")
    llm: LLM = Field(default="gemini-2.0-flash", description="The LLM to query")
    # The OA says number; SDK 2.78 documents null as "omit it from the LLM request".
    temperature: float | None = Field(default=0.0, description="The temperature for the LLM")
    max_tokens: int = Field(default=-1, description="If greater than 0, caps the reply's tokens")
    tool_ids: list[str] = Field(default_factory=list, description="IDs of the agent's tools")
    built_in_tools: BuiltInTools = Field(default_factory=BuiltInTools)
    mcp_server_ids: list[str] = Field(default_factory=list, max_length=10)
    native_mcp_server_ids: list[str] = Field(default_factory=list, max_length=10)
    knowledge_base: list[KnowledgeBaseLocator] = Field(default_factory=list)
    custom_llm: CustomLLM | None = None
    ignore_default_personality: bool | None = False
    rag: RagConfig = Field(default_factory=RagConfig)
    timezone: str | None = Field(
        default=None, description="IANA timezone; if set, the current time is in the prompt"
    )
    tools: list[ToolConfig] = Field(
        default_factory=list, description="Deprecated inline tools; use tool_ids"
    )


# --- Agent and root -----------------------------------------------------------------------


class AgentConfig(ContractModel):
    """The agent: first message, language, dynamic variables and prompt."""

    first_message: str = Field(
        default="", description="What the agent says first; if empty it waits for the user"
    )
    language: str = Field(default="en", description="Language of the agent, for ASR and TTS")
    # SDK 2.78 only.
    disable_first_message_interruptions: bool = Field(
        default=False, description="If true, the user cannot interrupt the first message"
    )
    dynamic_variables: DynamicVariablesConfig = Field(default_factory=DynamicVariablesConfig)
    prompt: PromptAgent = Field(default_factory=PromptAgent)


class ConversationalConfig(ContractModel):
    """An agent's ``conversation_config``."""

    asr: ASRConversationalConfig = Field(default_factory=ASRConversationalConfig)
    turn: TurnConfig = Field(default_factory=TurnConfig)
    tts: TTSConversationalConfig = Field(default_factory=TTSConversationalConfig)
    conversation: ConversationConfig = Field(default_factory=ConversationConfig)
    language_presets: dict[str, LanguagePreset] = Field(
        default_factory=dict, description="Overrides per language code"
    )
    agent: AgentConfig = Field(default_factory=AgentConfig)
