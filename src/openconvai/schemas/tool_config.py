"""Tool configs: the ``tool_config`` of ``/v1/convai/tools`` and an agent's inline tools.

One model serves both the OA ``-Input`` and ``-Output`` variants of each schema (they are
identical apart from their titles). Defaults, enums and bounds follow the OA snapshot; where
SDK 2.78 accepts more (more enum values, more variants, a relaxed required field), the wider
set is accepted so that no client built for ElevenLabs is refused.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import Discriminator, Field, Tag, TypeAdapter

from openconvai.schemas.base import ContractModel
from openconvai.schemas.secret_refs import (
    ConvAIDynamicVariable,
    ConvAIEnvVarLocator,
    ConvAISecretLocator,
)
from openconvai.schemas.system_tool_params import (
    AgentTransfer,
    EndCallToolConfig,
    EndProcedureToolConfig,
    KnowledgeBaseRagToolConfig,
    KnowledgeBaseToolConfig,
    LanguageDetectionToolConfig,
    PhoneNumberDynamicVariableTransferDestination,
    PhoneNumberTransfer,
    PhoneNumberTransferDestination,
    PlayDTMFToolConfig,
    SIPUriDynamicVariableTransferDestination,
    SIPUriTransferDestination,
    SkipTurnToolConfig,
    StartProcedureToolConfig,
    SystemToolParams,
    TransferDestination,
    TransferToAgentToolConfig,
    TransferToNumberToolConfig,
    TransferType,
    VoicemailDetectionToolConfig,
)

__all__ = [
    "TOOL_CONFIG_ADAPTER",
    "AgentTransfer",
    "ArrayJsonSchemaProperty",
    "AuthConnectionLocator",
    "ClientToolConfig",
    "ConvAIDynamicVariable",
    "ConvAIEnvVarLocator",
    "ConvAISecretLocator",
    "DynamicVariableAssignment",
    "DynamicVariablesConfig",
    "EndCallToolConfig",
    "EndProcedureToolConfig",
    "EnvironmentAuthConnectionLocator",
    "IntegrationType",
    "JsonSchemaProperty",
    "KnowledgeBaseRagToolConfig",
    "KnowledgeBaseToolConfig",
    "LanguageDetectionToolConfig",
    "LiteralJsonSchemaProperty",
    "LiteralJsonType",
    "MCPApprovalPolicy",
    "MCPToolConfig",
    "ObjectJsonSchemaProperty",
    "PhoneNumberDynamicVariableTransferDestination",
    "PhoneNumberTransfer",
    "PhoneNumberTransferDestination",
    "PlayDTMFToolConfig",
    "QueryParamsJsonSchema",
    "RequestHeaderValue",
    "SIPUriDynamicVariableTransferDestination",
    "SIPUriTransferDestination",
    "SkipTurnToolConfig",
    "StartProcedureToolConfig",
    "SystemToolConfig",
    "SystemToolParams",
    "SystemToolType",
    "ToolConfig",
    "ToolType",
    "TransferDestination",
    "TransferToAgentToolConfig",
    "TransferToNumberToolConfig",
    "TransferType",
    "VoicemailDetectionToolConfig",
    "WebhookMethod",
    "WebhookToolApiSchemaConfig",
    "WebhookToolConfig",
]

# OA tool names must be usable as LLM function names.
_TOOL_NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,64}$"

ToolType: TypeAlias = Literal["webhook", "client", "system", "mcp"]
WebhookMethod: TypeAlias = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
LiteralJsonType: TypeAlias = Literal["boolean", "string", "integer", "number"]
# "blind" is SDK 2.78 only.
IntegrationType: TypeAlias = Literal["mcp_server", "mcp_integration"]
MCPApprovalPolicy: TypeAlias = Literal[
    "auto_approve_all", "require_approval_all", "require_approval_per_tool"
]
# The last four are SDK 2.78 only.
SystemToolType: TypeAlias = Literal[
    "end_call",
    "language_detection",
    "transfer_to_agent",
    "transfer_to_number",
    "skip_turn",
    "play_keypad_touch_tone",
    "voicemail_detection",
    "end_procedure",
    "start_procedure",
    "knowledge_base",
    "knowledge_base_rag",
]


# --- Locators and dynamic variables -------------------------------------------------------
# The secret, dynamic variable and env var references are shared with platform_settings
# (schemas/secret_refs.py) and re-exported here.


class AuthConnectionLocator(ContractModel):
    """A reference to an auth connection in the workspace's auth connection store."""

    auth_connection_id: str


class EnvironmentAuthConnectionLocator(ContractModel):
    """An auth connection named by an environment variable label (SDK 2.78 only)."""

    env_var_label: str


RequestHeaderValue: TypeAlias = (
    str | ConvAISecretLocator | ConvAIDynamicVariable | ConvAIEnvVarLocator
)


class DynamicVariablesConfig(ContractModel):
    """Placeholder values for dynamic variables, used when a conversation supplies none."""

    dynamic_variable_placeholders: dict[str, str | float | int | bool] = Field(
        default_factory=dict,
        description="A dictionary of dynamic variable placeholders and their values",
    )


class DynamicVariableAssignment(ContractModel):
    """Copies a value out of a tool response into a dynamic variable."""

    source: Literal["response"] = Field(
        default="response", description="The source to extract the value from."
    )
    dynamic_variable: str = Field(description="The dynamic variable to assign to")
    value_path: str = Field(description="Dot path into the source, e.g. 'data.0.id'")


# --- JSON-schema-like parameter descriptions ----------------------------------------------


class LiteralJsonSchemaProperty(ContractModel):
    """A scalar parameter, filled by the LLM, a dynamic variable or a constant."""

    # SDK 2.78 also accepts a list of type names, e.g. ["string", "null"].
    type: LiteralJsonType | list[LiteralJsonType | Literal["null"]]
    description: str = Field(default="", description="The description of the property")
    dynamic_variable: str = Field(default="", description="The dynamic variable of the property")
    # SDK 2.78 also accepts null.
    constant_value: str | int | float | bool | None = Field(
        default="", description="The constant value of the property"
    )


class ObjectJsonSchemaProperty(ContractModel):
    """An object parameter whose properties are themselves described."""

    type: Literal["object"] = "object"
    required: list[str] = Field(default_factory=list)
    description: str = ""
    properties: dict[str, JsonSchemaProperty] = Field(default_factory=dict)


class ArrayJsonSchemaProperty(ContractModel):
    """An array parameter whose items are described."""

    type: Literal["array"] = "array"
    description: str = ""
    # Required in the OA; SDK 2.78 makes it optional.
    items: JsonSchemaProperty | None = None


def _json_schema_property_kind(value: Any) -> str:
    # The OA union has no discriminator mapping: "object" and "array" pick their
    # model, any other type is a literal, and a missing type means object (its default).
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    if kind == "array":
        return "array"
    if kind is None or kind == "object":
        return "object"
    return "literal"


JsonSchemaProperty: TypeAlias = Annotated[
    Annotated[LiteralJsonSchemaProperty, Tag("literal")]
    | Annotated[ObjectJsonSchemaProperty, Tag("object")]
    | Annotated[ArrayJsonSchemaProperty, Tag("array")],
    Discriminator(_json_schema_property_kind),
]

# The two models refer to each other through JsonSchemaProperty, defined just above.
ObjectJsonSchemaProperty.model_rebuild()
ArrayJsonSchemaProperty.model_rebuild()


class QueryParamsJsonSchema(ContractModel):
    """The query parameters of a webhook; each must be a literal."""

    properties: dict[str, LiteralJsonSchemaProperty] = Field(min_length=1)
    required: list[str] = Field(default_factory=list)


# --- Webhook tools ------------------------------------------------------------------------


class WebhookToolApiSchemaConfig(ContractModel):
    """The outgoing HTTP request of a webhook tool."""

    url: str = Field(description="May contain {path_param} placeholders")
    method: WebhookMethod = Field(default="GET", description="The HTTP method")
    path_params_schema: dict[str, LiteralJsonSchemaProperty] = Field(
        default_factory=dict, description="Keys match the placeholders in the URL"
    )
    query_params_schema: QueryParamsJsonSchema | None = None
    request_body_schema: ObjectJsonSchemaProperty | None = Field(
        default=None, description="The JSON body, for POST/PUT/PATCH"
    )
    request_headers: dict[str, RequestHeaderValue] = Field(default_factory=dict)
    auth_connection: AuthConnectionLocator | EnvironmentAuthConnectionLocator | None = None


class ToolCommon(ContractModel):
    """The fields every kind of tool has."""

    name: str = Field(pattern=_TOOL_NAME_PATTERN)
    disable_interruptions: bool = Field(
        default=False, description="If true, the user cannot interrupt while the tool runs"
    )
    force_pre_tool_speech: bool = Field(
        default=False, description="If true, the agent speaks before the tool call"
    )
    assignments: list[DynamicVariableAssignment] = Field(default_factory=list)


class WebhookToolConfig(ToolCommon):
    """A tool the server runs by calling an external webhook."""

    type: Literal["webhook"]
    description: str
    response_timeout_secs: int = Field(
        default=20, ge=5, le=120, description="Seconds to wait for the webhook"
    )
    api_schema: WebhookToolApiSchemaConfig
    dynamic_variables: DynamicVariablesConfig = Field(default_factory=DynamicVariablesConfig)


# --- Client tools -------------------------------------------------------------------------


class ClientToolConfig(ToolCommon):
    """A tool the server forwards to the client as a ``client_tool_call`` event."""

    type: Literal["client"]
    description: str
    response_timeout_secs: int = Field(
        default=20, ge=1, le=120, description="Seconds to wait for the client"
    )
    parameters: ObjectJsonSchemaProperty | None = None
    expects_response: bool = Field(
        default=False,
        description="If true, the conversation waits for the client's client_tool_result",
    )
    dynamic_variables: DynamicVariablesConfig = Field(default_factory=DynamicVariablesConfig)


class SystemToolConfig(ToolCommon):
    """A tool that calls a method of the server itself (end call, transfer, ...)."""

    type: Literal["system"]
    # Required in the OA; SDK 2.78 makes it optional.
    description: str = ""
    response_timeout_secs: int = Field(
        default=20, description="Seconds to wait for the tool call to complete"
    )
    params: SystemToolParams


# --- MCP tools ----------------------------------------------------------------------------


class MCPToolConfig(ToolCommon):
    """A tool served by an MCP server."""

    type: Literal["mcp"]
    description: str
    response_timeout_secs: int = Field(
        default=20, description="Seconds to wait for the tool call to complete"
    )
    integration_type: IntegrationType
    parameters: ObjectJsonSchemaProperty | None = None
    approval_policy: MCPApprovalPolicy = "require_approval_all"
    mcp_tool_name: str
    mcp_tool_description: str
    mcp_server_id: str
    mcp_server_name: str
    mcp_input_schema: dict[str, Any] | None = Field(
        default=None, description="The MCP tool's original inputSchema"
    )


ToolConfig: TypeAlias = Annotated[
    WebhookToolConfig | ClientToolConfig | SystemToolConfig | MCPToolConfig,
    Field(discriminator="type"),
]
"""Any tool config, chosen by its ``type``."""

TOOL_CONFIG_ADAPTER: TypeAdapter[ToolConfig] = TypeAdapter(ToolConfig)
"""Validates and dumps a bare ``ToolConfig`` (outside of any model)."""
