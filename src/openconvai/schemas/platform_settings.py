"""An agent's `platform_settings`: everything about an agent that is not the conversation.

One model serves the OA's `-Input` and `-Output` variants. Defaults are the server
defaults of the OA snapshot, so validating `{}` yields the complete settings a GET returns.
Fields that only the newer SDKs know (`archived`, `guardrails`, ...) are not modelled
here; `ContractModel` keeps them as extra fields so they round-trip.
"""

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag

from openconvai.schemas.base import ContractModel
from openconvai.schemas.secret_refs import ConvAIEnvVarLocator, ConvAISecretLocator

EmbedVariant = Literal["tiny", "compact", "full", "expandable"]
WidgetPlacement = Literal["top-left", "top", "top-right", "bottom-left", "bottom", "bottom-right"]
WidgetExpandable = Literal["never", "mobile", "desktop", "always"]
WidgetFeedbackMode = Literal["none", "during", "end"]
LiteralPropertyType = Literal["boolean", "string", "integer", "number"]
# SDK 2.78 also accepts a list of JSON-schema type names, e.g. ["string", "null"].
LiteralPropertyTypeList = list[LiteralPropertyType | Literal["null"]]


class AllowlistItem(ContractModel):
    """A host allowed to start conversations with the agent."""

    hostname: str = Field(description="The hostname of the allowed origin.")


class AuthSettings(ContractModel):
    """Who may start a conversation with the agent."""

    enable_auth: bool = Field(
        default=False,
        description="If true, starting a conversation requires a signed URL or token.",
    )
    allowlist: list[AllowlistItem] = Field(
        default_factory=list,
        description="Hosts allowed to start conversations with the agent.",
    )
    shareable_token: str | None = Field(
        default=None,
        description="A shareable token that can be used to start a conversation.",
    )


class PromptEvaluationCriteria(ContractModel):
    """A yes/no goal judged by an LLM over the transcript after the call."""

    id: str
    name: str
    type: Literal["prompt"] = "prompt"
    conversation_goal_prompt: str = Field(
        max_length=2000,
        description="The prompt the evaluator uses to judge the conversation.",
    )
    use_knowledge_base: bool = Field(
        default=False,
        description="Whether the evaluator may consult the agent's knowledge base.",
    )


class EvaluationSettings(ContractModel):
    """The criteria every finished conversation of the agent is evaluated against."""

    criteria: list[PromptEvaluationCriteria] = Field(default_factory=list)


class OrbAvatar(ContractModel):
    """The animated two-colour orb."""

    type: Literal["orb"] = "orb"
    color_1: str = "#2792dc"
    color_2: str = "#9ce6e6"


class URLAvatar(ContractModel):
    """An avatar image loaded from a URL."""

    type: Literal["url"] = "url"
    custom_url: str = ""


class ImageAvatar(ContractModel):
    """An avatar image uploaded to the platform."""

    type: Literal["image"] = "image"
    url: str = ""


def _avatar_tag(value: Any) -> str | None:
    # The OA declares a plain anyOf here, not a discriminator, so a body that leaves out
    # `type` is still valid; it means the orb, the first member and the default.
    if isinstance(value, dict):
        tag = value.get("type", "orb")
        return tag if isinstance(tag, str) else None
    tag = getattr(value, "type", None)
    return tag if isinstance(tag, str) else None


WidgetAvatar = Annotated[
    Annotated[OrbAvatar, Tag("orb")]
    | Annotated[URLAvatar, Tag("url")]
    | Annotated[ImageAvatar, Tag("image")],
    Discriminator(_avatar_tag),
]


class WidgetTextContents(ContractModel):
    """Overrides of the widget's built-in labels; null keeps the built-in text."""

    main_label: str | None = None
    start_call: str | None = None
    start_chat: str | None = None
    new_call: str | None = None
    end_call: str | None = None
    mute_microphone: str | None = None
    change_language: str | None = None
    collapse: str | None = None
    expand: str | None = None
    copied: str | None = None
    accept_terms: str | None = None
    dismiss_terms: str | None = None
    listening_status: str | None = None
    speaking_status: str | None = None
    connecting_status: str | None = None
    chatting_status: str | None = None
    input_label: str | None = None
    input_placeholder: str | None = None
    input_placeholder_text_only: str | None = None
    input_placeholder_new_conversation: str | None = None
    user_ended_conversation: str | None = None
    agent_ended_conversation: str | None = None
    conversation_id: str | None = None
    error_occurred: str | None = None
    copy_id: str | None = None


class WidgetStyles(ContractModel):
    """Overrides of the widget's theme colours (CSS colours) and radii (pixels)."""

    base: str | None = None
    base_hover: str | None = None
    base_active: str | None = None
    base_border: str | None = None
    base_subtle: str | None = None
    base_primary: str | None = None
    base_error: str | None = None
    accent: str | None = None
    accent_hover: str | None = None
    accent_active: str | None = None
    accent_border: str | None = None
    accent_subtle: str | None = None
    accent_primary: str | None = None
    overlay_padding: float | None = None
    button_radius: float | None = None
    input_radius: float | None = None
    bubble_radius: float | None = None
    sheet_radius: float | None = None
    compact_sheet_radius: float | None = None
    dropdown_sheet_radius: float | None = None


class WidgetLanguagePreset(ContractModel):
    """Widget texts for one language."""

    text_contents: WidgetTextContents | None = None


class WidgetConfig(ContractModel):
    """How the embeddable widget looks and behaves."""

    variant: EmbedVariant = "full"
    placement: WidgetPlacement = "bottom-right"
    expandable: WidgetExpandable = "never"
    avatar: WidgetAvatar = Field(default_factory=OrbAvatar)
    feedback_mode: WidgetFeedbackMode = "none"
    bg_color: str = "#ffffff"
    text_color: str = "#000000"
    btn_color: str = "#000000"
    btn_text_color: str = "#ffffff"
    border_color: str = "#e1e1e1"
    focus_color: str = "#000000"
    border_radius: int | None = None
    btn_radius: int | None = None
    action_text: str | None = None
    start_call_text: str | None = None
    end_call_text: str | None = None
    expand_text: str | None = None
    listening_text: str | None = None
    speaking_text: str | None = None
    shareable_page_text: str | None = None
    shareable_page_show_terms: bool = True
    terms_text: str | None = None
    terms_html: str | None = None
    terms_key: str | None = None
    show_avatar_when_collapsed: bool | None = False
    disable_banner: bool = False
    override_link: str | None = None
    mic_muting_enabled: bool = False
    transcript_enabled: bool = Field(
        default=False, description="Show the transcript as the conversation goes on."
    )
    text_input_enabled: bool = Field(default=True, description="Let the user send text messages.")
    default_expanded: bool = False
    always_expanded: bool = False
    text_contents: WidgetTextContents = Field(default_factory=WidgetTextContents)
    styles: WidgetStyles = Field(default_factory=WidgetStyles)
    language_selector: bool = False
    supports_text_only: bool = Field(
        default=True, description="Whether the widget can switch to text-only mode."
    )
    custom_avatar_path: str | None = None
    language_presets: dict[str, WidgetLanguagePreset] = Field(
        default_factory=dict, description="Widget texts keyed by language code."
    )


class DataCollectionProperty(ContractModel):
    """One value extracted from the transcript after the call (OA `LiteralJsonSchemaProperty`)."""

    type: LiteralPropertyType | LiteralPropertyTypeList
    description: str = Field(default="", description="What the LLM should extract.")
    dynamic_variable: str = Field(
        default="", description="Take the value from this dynamic variable instead."
    )
    constant_value: str | int | float | bool = Field(
        default="", description="Use this fixed value instead."
    )


class TTSConversationalConfigOverrideConfig(ContractModel):
    """Which TTS settings a client may override at conversation start."""

    voice_id: bool = False


class ConversationConfigOverrideConfig(ContractModel):
    """Which conversation settings a client may override at conversation start."""

    text_only: bool = False


class PromptAgentAPIModelOverrideConfig(ContractModel):
    """Which prompt settings a client may override at conversation start."""

    prompt: bool = False
    native_mcp_server_ids: bool = False


class AgentConfigOverrideConfig(ContractModel):
    """Which agent settings a client may override at conversation start."""

    first_message: bool = False
    language: bool = False
    prompt: PromptAgentAPIModelOverrideConfig = Field(
        default_factory=PromptAgentAPIModelOverrideConfig
    )


class ConversationConfigClientOverrideConfig(ContractModel):
    """Which parts of `conversation_config` a client may override; all off by default."""

    tts: TTSConversationalConfigOverrideConfig = Field(
        default_factory=TTSConversationalConfigOverrideConfig
    )
    conversation: ConversationConfigOverrideConfig = Field(
        default_factory=ConversationConfigOverrideConfig
    )
    agent: AgentConfigOverrideConfig = Field(default_factory=AgentConfigOverrideConfig)


class ConversationInitiationClientDataConfig(ContractModel):
    """What a client may send in `conversation_initiation_client_data` (the `overrides` block)."""

    conversation_config_override: ConversationConfigClientOverrideConfig = Field(
        default_factory=ConversationConfigClientOverrideConfig
    )
    custom_llm_extra_body: bool = Field(
        default=False, description="Whether a client may send a custom LLM extra body."
    )
    enable_conversation_initiation_client_data_from_webhook: bool = Field(
        default=False,
        description="Whether to fetch initiation data from the workspace webhook.",
    )


class AgentCallLimits(ContractModel):
    """Limits on how many conversations the agent takes."""

    agent_concurrency_limit: int = Field(
        default=-1, description="Maximum concurrent conversations; -1 means no maximum."
    )
    daily_limit: int = Field(default=100000, description="Maximum conversations per day.")
    bursting_enabled: bool = Field(
        default=True,
        description="Allow up to 3x the workspace concurrency limit, charged at double rate.",
    )


class PrivacyConfig(ContractModel):
    """What is kept of the agent's conversations, and for how long."""

    record_voice: bool = Field(default=True, description="Whether to record the audio.")
    retention_days: int = Field(
        default=-1, description="Days to keep conversations; -1 means no limit."
    )
    delete_transcript_and_pii: bool = False
    delete_audio: bool = False
    apply_to_existing_conversations: bool = False
    zero_retention_mode: bool = Field(default=False, description="Store no PII at all.")


class ConversationInitiationClientDataWebhook(ContractModel):
    """A webhook called at conversation start to fetch initiation client data."""

    url: str = Field(description="The URL to send the webhook to.")
    # Header values may name a secret instead of carrying it; SDK 2.78 adds env-var refs.
    request_headers: dict[str, str | ConvAISecretLocator | ConvAIEnvVarLocator] = Field(
        description="Headers sent with the webhook request."
    )


class ConvAIWebhooks(ContractModel):
    """Which post-call webhook to call, and with what."""

    post_call_webhook_id: str | None = None
    send_audio: bool = Field(
        default=False, description="Whether to send the audio with post-call webhooks."
    )


class AgentWorkspaceOverrides(ContractModel):
    """Per-agent replacements for the workspace's webhook settings."""

    conversation_initiation_client_data_webhook: ConversationInitiationClientDataWebhook | None = (
        None
    )
    webhooks: ConvAIWebhooks = Field(default_factory=ConvAIWebhooks)


class AttachedTestModel(ContractModel):
    """A test attached to the agent."""

    test_id: str


class AgentTestingSettings(ContractModel):
    """The tests run for the agent."""

    attached_tests: list[AttachedTestModel] = Field(default_factory=list, max_length=100)


class SafetyResponseModel(ContractModel):
    """Read-only safety state the platform keeps about an agent."""

    is_blocked_ivc: bool = False
    is_blocked_non_ivc: bool = False
    ignore_safety_evaluation: bool = False


class AgentPlatformSettings(ContractModel):
    """`platform_settings` of agent create/update (OA `AgentPlatformSettingsRequestModel`)."""

    auth: AuthSettings = Field(default_factory=AuthSettings)
    evaluation: EvaluationSettings = Field(default_factory=EvaluationSettings)
    widget: WidgetConfig = Field(default_factory=WidgetConfig)
    data_collection: dict[str, DataCollectionProperty] = Field(
        default_factory=dict, description="Values to extract from each conversation, by id."
    )
    overrides: ConversationInitiationClientDataConfig = Field(
        default_factory=ConversationInitiationClientDataConfig
    )
    call_limits: AgentCallLimits = Field(default_factory=AgentCallLimits)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    workspace_overrides: AgentWorkspaceOverrides = Field(default_factory=AgentWorkspaceOverrides)
    testing: AgentTestingSettings = Field(default_factory=AgentTestingSettings)


class AgentPlatformSettingsResponse(AgentPlatformSettings):
    """`platform_settings` as returned (OA `AgentPlatformSettingsResponseModel`)."""

    safety: SafetyResponseModel = Field(default_factory=SafetyResponseModel)


__all__ = [
    "AgentCallLimits",
    "AgentConfigOverrideConfig",
    "AgentPlatformSettings",
    "AgentPlatformSettingsResponse",
    "AgentTestingSettings",
    "AgentWorkspaceOverrides",
    "AllowlistItem",
    "AttachedTestModel",
    "AuthSettings",
    "ConvAIWebhooks",
    "ConversationConfigClientOverrideConfig",
    "ConversationConfigOverrideConfig",
    "ConversationInitiationClientDataConfig",
    "ConversationInitiationClientDataWebhook",
    "DataCollectionProperty",
    "EmbedVariant",
    "EvaluationSettings",
    "ImageAvatar",
    "LiteralPropertyType",
    "OrbAvatar",
    "PrivacyConfig",
    "PromptAgentAPIModelOverrideConfig",
    "PromptEvaluationCriteria",
    "SafetyResponseModel",
    "TTSConversationalConfigOverrideConfig",
    "URLAvatar",
    "WidgetAvatar",
    "WidgetConfig",
    "WidgetExpandable",
    "WidgetFeedbackMode",
    "WidgetLanguagePreset",
    "WidgetPlacement",
    "WidgetStyles",
    "WidgetTextContents",
]
