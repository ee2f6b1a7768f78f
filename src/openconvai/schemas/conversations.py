"""Conversations API: the stored conversation, its transcript, the listing and feedback."""

from typing import Any, Literal

from pydantic import Field

from openconvai.schemas.base import ContractModel
from openconvai.schemas.conversation_config import ConversationConfigClientOverride

ConversationStatus = Literal["initiated", "in-progress", "processing", "done", "failed"]
EvaluationSuccessResult = Literal["success", "failure", "unknown"]
UserFeedbackScore = Literal["like", "dislike"]
AuthorizationMethod = Literal[
    "invalid",
    "public",
    "authorization_header",
    "signed_url",
    "shareable_link",
    "livekit_token",
    "livekit_token_website",
    "genesys_api_key",
]
ConversationInitiationSource = Literal[
    "unknown",
    "android_sdk",
    "node_js_sdk",
    "react_native_sdk",
    "react_sdk",
    "js_sdk",
    "python_sdk",
    "widget",
    "sip_trunk",
    "twilio",
    "genesys",
    "swift_sdk",
]


# --- Transcript ------------------------------------------------------------------------------


class TranscriptToolCall(ContractModel):
    """A tool the agent called during a turn."""

    type: Literal["system", "webhook", "client", "mcp", "workflow"] | None = None
    request_id: str
    tool_name: str
    params_as_json: str
    tool_has_been_called: bool
    tool_details: dict[str, Any] | None = None


class TranscriptToolResult(ContractModel):
    """What a tool call returned (system results add a typed `result` object)."""

    request_id: str
    tool_name: str
    result_value: str
    is_error: bool
    tool_has_been_called: bool
    tool_latency_secs: float = 0
    dynamic_variable_updates: list[dict[str, Any]] = Field(default_factory=list)
    type: Literal["client", "webhook", "mcp", "system", "workflow"] | None = None


class UserFeedback(ContractModel):
    """A user's rating of one agent response."""

    score: UserFeedbackScore
    time_in_call_secs: int


class LLMTokensCategoryUsage(ContractModel):
    """Tokens of one category and their price in USD."""

    tokens: int = 0
    price: float = 0


class LLMInputOutputTokensUsage(ContractModel):
    """One model's tokens and their price, by category."""

    input: LLMTokensCategoryUsage = Field(
        default_factory=LLMTokensCategoryUsage,
        description="Input (prompt) tokens not served from the prompt cache.",
    )
    input_cache_read: LLMTokensCategoryUsage = Field(
        default_factory=LLMTokensCategoryUsage,
        description="Input tokens read from the prompt cache.",
    )
    input_cache_write: LLMTokensCategoryUsage = Field(
        default_factory=LLMTokensCategoryUsage,
        description="Input tokens written to the prompt cache.",
    )
    output_total: LLMTokensCategoryUsage = Field(
        default_factory=LLMTokensCategoryUsage, description="Output (completion) tokens."
    )


class LLMUsage(ContractModel):
    """Tokens used and their price, by model."""

    model_usage: dict[str, LLMInputOutputTokensUsage] = Field(default_factory=dict)


class TranscriptEntry(ContractModel):
    """One turn of the transcript, as heard (an interrupted agent turn is cut)."""

    # SDK 2.78's `agent_metadata` ({agent_id}) is added, as an extra field, to the agent
    # turns of conversations that were transferred from one agent to another.
    role: Literal["user", "agent"]
    message: str | None = None
    tool_calls: list[TranscriptToolCall] = Field(default_factory=list)
    tool_results: list[TranscriptToolResult] = Field(default_factory=list)
    feedback: UserFeedback | None = None
    llm_override: str | None = None
    time_in_call_secs: int
    conversation_turn_metrics: dict[str, Any] | None = None
    rag_retrieval_info: dict[str, Any] | None = None
    llm_usage: LLMUsage | None = Field(
        default=None, description="The LLM tokens that led to this agent turn, and their price."
    )
    interrupted: bool = False
    original_message: str | None = None
    source_medium: Literal["audio", "text"] | None = None
    source_event_id: int | None = Field(
        default=None, description="Id of the WebSocket event that carried this turn."
    )
    created_at_unix_ms: int | None = None


# --- Metadata --------------------------------------------------------------------------------


class ConversationDeletionSettings(ContractModel):
    """When parts of the conversation are (or were) deleted."""

    deletion_time_unix_secs: int | None = None
    deleted_logs_at_time_unix_secs: int | None = None
    deleted_audio_at_time_unix_secs: int | None = None
    deleted_transcript_at_time_unix_secs: int | None = None
    delete_transcript_and_pii: bool = False
    delete_audio: bool = False


class ConversationFeedbackSummary(ContractModel):
    """The user's overall verdict and the counts of rated responses."""

    type: Literal["thumbs", "rating"] | None = None
    overall_score: UserFeedbackScore | None = None
    likes: int = 0
    dislikes: int = 0
    rating: int | None = None
    comment: str | None = None


class LLMCategoryUsage(ContractModel):
    """LLM use split by whether its output reached the user."""

    irreversible_generation: LLMUsage = Field(
        default_factory=LLMUsage,
        description="The part of `initiated_generation` that led to agent turns of the "
        "transcript (heard whole or interrupted).",
    )
    initiated_generation: LLMUsage = Field(
        default_factory=LLMUsage,
        description="Every LLM call of the conversation; its prices sum to `llm_price`.",
    )


class ConversationCharging(ContractModel):
    """Billing details: LLM tokens and their list price; a self-hosted server charges no credits."""

    dev_discount: bool = False
    is_burst: bool = False
    tier: str | None = None
    llm_usage: LLMCategoryUsage = Field(default_factory=LLMCategoryUsage)
    llm_price: float | None = Field(
        default=None, description="Total LLM price in USD; null when no LLM use was recorded."
    )
    llm_charge: int | None = Field(default=None, description="Credits charged for LLM use: none.")
    call_charge: int | None = Field(default=None, description="Credits charged for the call: none.")


class FeatureStatus(ContractModel):
    """Whether a feature was on and whether the conversation used it."""

    enabled: bool = False
    used: bool = False


class WorkflowFeaturesUsage(ContractModel):
    """Workflow features of the conversation."""

    enabled: bool = False
    tool_node: FeatureStatus = Field(default_factory=FeatureStatus)


class AgentTestingUsage(ContractModel):
    """Agent-testing status of the agent."""

    enabled: bool = False
    tests_ran_after_last_modification: bool = False
    tests_ran_in_last_7_days: bool = False


class FeaturesUsage(ContractModel):
    """Which platform features the conversation had and used."""

    language_detection: FeatureStatus = Field(default_factory=FeatureStatus)
    transfer_to_agent: FeatureStatus = Field(default_factory=FeatureStatus)
    transfer_to_number: FeatureStatus = Field(default_factory=FeatureStatus)
    multivoice: FeatureStatus = Field(default_factory=FeatureStatus)
    dtmf_tones: FeatureStatus = Field(default_factory=FeatureStatus)
    external_mcp_servers: FeatureStatus = Field(default_factory=FeatureStatus)
    pii_zrm_workspace: bool = False
    pii_zrm_agent: bool = False
    tool_dynamic_variable_updates: FeatureStatus = Field(default_factory=FeatureStatus)
    is_livekit: bool = False
    voicemail_detection: FeatureStatus = Field(default_factory=FeatureStatus)
    workflow: WorkflowFeaturesUsage = Field(default_factory=WorkflowFeaturesUsage)
    agent_testing: AgentTestingUsage = Field(default_factory=AgentTestingUsage)


class ElevenAssistant(ContractModel):
    """Whether the conversation was with the ElevenLabs assistant (never, here)."""

    is_eleven_assistant: bool = False


class ConversationError(ContractModel):
    """Why a conversation failed."""

    code: int
    reason: str | None = None


class ConversationMetadata(ContractModel):
    """Timing, outcome, feedback and origin of a conversation."""

    start_time_unix_secs: int
    accepted_time_unix_secs: int | None = None
    call_duration_secs: int
    cost: int | None = None
    deletion_settings: ConversationDeletionSettings = Field(
        default_factory=ConversationDeletionSettings
    )
    feedback: ConversationFeedbackSummary = Field(default_factory=ConversationFeedbackSummary)
    authorization_method: AuthorizationMethod = "public"
    charging: ConversationCharging = Field(default_factory=ConversationCharging)
    phone_call: dict[str, Any] | None = None
    batch_call: dict[str, Any] | None = None
    termination_reason: str = ""
    error: ConversationError | None = None
    main_language: str | None = None
    rag_usage: dict[str, Any] | None = None
    text_only: bool = False
    features_usage: FeaturesUsage = Field(default_factory=FeaturesUsage)
    eleven_assistant: ElevenAssistant = Field(default_factory=ElevenAssistant)
    initiator_id: str | None = None
    conversation_initiation_source: ConversationInitiationSource = "unknown"
    conversation_initiation_source_version: str | None = None
    timezone: str | None = None


# --- Analysis and initiation data ------------------------------------------------------------


class ConversationAnalysis(ContractModel):
    """The post-call analysis: success verdict, summary, criteria and collected data."""

    evaluation_criteria_results: dict[str, Any] = Field(default_factory=dict)
    data_collection_results: dict[str, Any] = Field(default_factory=dict)
    call_successful: EvaluationSuccessResult
    transcript_summary: str
    call_summary_title: str | None = None


class ConversationInitiationSourceInfo(ContractModel):
    """Which client started the conversation, and its version."""

    source: ConversationInitiationSource | None = None
    version: str | None = None


class ConversationInitiationClientData(ContractModel):
    """What the client sent when it started the conversation."""

    conversation_config_override: ConversationConfigClientOverride = Field(
        default_factory=ConversationConfigClientOverride
    )
    custom_llm_extra_body: dict[str, Any] = Field(default_factory=dict)
    user_id: str | None = Field(
        default=None,
        description="ID of the end user participating in this conversation "
        "(for agent owner's user identification)",
    )
    source_info: ConversationInitiationSourceInfo = Field(
        default_factory=ConversationInitiationSourceInfo
    )
    dynamic_variables: dict[str, str | float | int | bool | None] = Field(default_factory=dict)


# --- Responses and requests ------------------------------------------------------------------


class GetConversationResponse(ContractModel):
    """A conversation with its full transcript and metadata."""

    agent_id: str
    agent_name: str | None = Field(
        default=None, description="The agent's current name; null once it is deleted."
    )
    conversation_id: str
    status: ConversationStatus
    user_id: str | None = None
    transcript: list[TranscriptEntry]
    metadata: ConversationMetadata
    analysis: ConversationAnalysis | None = None
    conversation_initiation_client_data: ConversationInitiationClientData = Field(
        default_factory=ConversationInitiationClientData
    )
    has_audio: bool
    has_user_audio: bool
    has_response_audio: bool
    has_auxiliary_audio: bool = False
    user_message_count: int | None = Field(
        default=None, description="User turns with text; tool-only turns are not counted."
    )
    agent_message_count: int | None = Field(
        default=None, description="Agent turns with text; tool-only turns are not counted."
    )


class ConversationSummary(ContractModel):
    """A conversation in a listing."""

    agent_id: str
    agent_name: str | None = None
    conversation_id: str
    start_time_unix_secs: int
    call_duration_secs: int
    message_count: int
    status: ConversationStatus
    call_successful: EvaluationSuccessResult
    transcript_summary: str | None = None
    call_summary_title: str | None = None
    direction: Literal["inbound", "outbound"] | None = None


class GetConversationsPageResponse(ContractModel):
    """A page of conversations, newest first, and the cursor of the next page."""

    conversations: list[ConversationSummary]
    next_cursor: str | None = None
    has_more: bool


class ConversationFeedbackRequest(ContractModel):
    """Body of `POST /v1/convai/conversations/{id}/feedback`; only the fields sent change.

    The OA body is `{"feedback": "like"|"dislike"}`; the JS client may send a star rating
    and a comment instead.
    """

    feedback: UserFeedbackScore | None = Field(
        default=None,
        description="Either 'like' or 'dislike' to indicate the feedback for the conversation.",
    )
    rating: int | None = Field(default=None, ge=1, le=5, description="A 1-5 star rating.")
    comment: str | None = Field(default=None, max_length=10_000)
