"""MCP servers (`/v1/convai/mcp-servers`): remote tool servers an agent names by id.

An agent lists the servers whose tools it may call in
`conversation_config.agent.prompt.mcp_server_ids`. Fields follow the OA snapshot; the
behaviour knobs SDK 2.78 adds (pre-tool speech, sounds, execution mode, ...) are accepted
and stored.
"""

from typing import Any, Literal, TypeAlias

from pydantic import Field

from openconvai.schemas.agents import ResourceAccessInfo
from openconvai.schemas.base import ContractModel
from openconvai.schemas.secret_refs import (
    ConvAIDynamicVariable,
    ConvAIEnvVarLocator,
    ConvAISecretLocator,
)
from openconvai.schemas.secrets import DependentAgent
from openconvai.schemas.tool_config import (
    AuthConnectionLocator,
    DynamicVariableAssignment,
    EnvironmentAuthConnectionLocator,
    MCPApprovalPolicy,
    RequestHeaderValue,
)

MCPServerTransport: TypeAlias = Literal["SSE", "STREAMABLE_HTTP"]
MCPToolApprovalPolicy: TypeAlias = Literal["auto_approved", "requires_approval"]
MCPToolApprovalState: TypeAlias = Literal["up_to_date", "needs_review", "not_approved"]
# SDK 2.78's behaviour knobs.
PreToolSpeechMode: TypeAlias = Literal["auto", "force", "off"]
ToolInterruptionMode: TypeAlias = Literal[
    "allow", "disable_during_tool", "disable_during_tool_and_turn"
]
ToolCallSoundType: TypeAlias = Literal["typing", "elevator1", "elevator2", "elevator3", "elevator4"]
ToolCallSoundBehavior: TypeAlias = Literal["auto", "always"]
ToolExecutionMode: TypeAlias = Literal["immediate", "post_tool_speech", "async"]
RequestMetaValue: TypeAlias = (
    str | int | float | bool | ConvAISecretLocator | ConvAIDynamicVariable | ConvAIEnvVarLocator
)


class ConvAIUserSecretDBModel(ContractModel):
    """A secret stored in place, encrypted by ElevenLabs (accepted by the schema only)."""

    id: str
    name: str
    encrypted_value: str
    nonce: str


class MCPToolApprovalHash(ContractModel):
    """A per-tool approval: the approved definition's hash and the tool's policy."""

    tool_name: str = Field(description="The name of the MCP tool")
    tool_hash: str = Field(description="SHA256 hash of the tool's parameters and description")
    approval_policy: MCPToolApprovalPolicy = Field(
        default="requires_approval", description="The approval policy for this tool"
    )


class MCPToolConfigOverride(ContractModel):
    """Per-tool overrides of the server's behaviour knobs (SDK 2.78; stored, not used yet)."""

    tool_name: str = Field(description="The name of the MCP tool")
    force_pre_tool_speech: bool | None = None
    pre_tool_speech: PreToolSpeechMode | None = None
    disable_interruptions: bool | None = None
    interruption_mode: ToolInterruptionMode | None = None
    tool_call_sound: ToolCallSoundType | Literal["off"] | None = None
    tool_call_sound_behavior: ToolCallSoundBehavior | None = None
    execution_mode: ToolExecutionMode | None = None
    response_timeout_secs: int | None = Field(default=None, ge=5, le=300)
    assignments: list[DynamicVariableAssignment] | None = None
    input_overrides: dict[str, Any] | None = None
    response_mocks: list[dict[str, Any]] | None = None


class MCPServerConfig(ContractModel):
    """An MCP server's configuration (OA `MCPServerConfig-Input` and `-Output`)."""

    approval_policy: MCPApprovalPolicy = "require_approval_all"
    tool_approval_hashes: list[MCPToolApprovalHash] = Field(
        default_factory=list,
        description="Per-tool approvals, used when approval_policy is require_approval_per_tool",
    )
    transport: MCPServerTransport = Field(
        default="SSE", description="The transport type used to connect to the MCP server"
    )
    url: str | ConvAISecretLocator = Field(
        description="The URL of the MCP server, or a workspace secret holding it"
    )
    secret_token: ConvAISecretLocator | ConvAIUserSecretDBModel | None = Field(
        default=None,
        description="A workspace secret whose value is sent as the Authorization header",
    )
    request_headers: dict[str, RequestHeaderValue] = Field(
        default_factory=dict, description="The headers included in the request"
    )
    request_meta: dict[str, RequestMetaValue] | None = Field(
        default=None, description="Entries of the MCP `_meta` field of tools/call (stored only)"
    )
    auth_connection: AuthConnectionLocator | EnvironmentAuthConnectionLocator | None = None
    name: str
    description: str = ""
    force_pre_tool_speech: bool | None = None
    pre_tool_speech: PreToolSpeechMode | None = None
    disable_interruptions: bool | None = None
    interruption_mode: ToolInterruptionMode | None = None
    tool_call_sound: ToolCallSoundType | None = None
    tool_call_sound_behavior: ToolCallSoundBehavior | None = None
    execution_mode: ToolExecutionMode | None = None
    response_timeout_secs: int | None = Field(
        default=None, ge=5, le=300, description="Seconds each tool call may take (5-300)"
    )
    tool_config_overrides: list[MCPToolConfigOverride] | None = None
    disable_compression: bool | None = None


class MCPServerRequest(ContractModel):
    """Body of `POST /v1/convai/mcp-servers` (OA `MCPServerRequestModel`)."""

    config: MCPServerConfig = Field(description="Configuration details for the MCP Server.")


class MCPServerConfigUpdateRequest(ContractModel):
    """Body of `PATCH /v1/convai/mcp-servers/{id}`: only the fields sent change.

    `request_headers` merge into the stored ones (a null value removes a header);
    `secret_token: null` removes the token, and other nulls reset their field, except
    `name`, `url` and `transport`, which a null leaves as they are. Those three and
    `description` are not in SDK 2.78's update but are accepted.
    """

    approval_policy: MCPApprovalPolicy | None = None
    force_pre_tool_speech: bool | None = None
    pre_tool_speech: PreToolSpeechMode | None = None
    disable_interruptions: bool | None = None
    interruption_mode: ToolInterruptionMode | None = None
    tool_call_sound: ToolCallSoundType | None = None
    tool_call_sound_behavior: ToolCallSoundBehavior | None = None
    execution_mode: ToolExecutionMode | None = None
    response_timeout_secs: int | None = Field(default=None, ge=5, le=300)
    request_headers: dict[str, RequestHeaderValue | None] | None = None
    request_meta: dict[str, RequestMetaValue | None] | None = None
    disable_compression: bool | None = None
    secret_token: ConvAISecretLocator | None = None
    auth_connection: AuthConnectionLocator | EnvironmentAuthConnectionLocator | None = None
    name: str | None = None
    description: str | None = None
    url: str | ConvAISecretLocator | None = None
    transport: MCPServerTransport | None = None


class MCPApprovalPolicyUpdateRequest(ContractModel):
    """Body of `PATCH .../approval-policy` (deprecated in favour of the PATCH above)."""

    approval_policy: MCPApprovalPolicy = Field(description="The approval mode to set")


class MCPToolAddApprovalRequest(ContractModel):
    """Body of `POST .../tool-approvals`: approve one tool as the server defines it now."""

    tool_name: str = Field(description="The name of the MCP tool")
    tool_description: str = Field(description="The description of the MCP tool")
    input_schema: dict[str, Any] = Field(
        default_factory=dict, description="The tool's input schema as the MCP server defines it"
    )
    approval_policy: MCPToolApprovalPolicy = Field(
        default="requires_approval", description="The tool-level approval policy"
    )


class MCPServerMetadata(ContractModel):
    """When the server was added (OA `MCPServerMetadataResponseModel`)."""

    created_at: int = Field(description="Unix seconds")
    owner_user_id: str | None = None


class MCPServerResponse(ContractModel):
    """A stored MCP server (OA `MCPServerResponseModel`)."""

    id: str
    config: MCPServerConfig
    access_info: ResourceAccessInfo | None = None
    dependent_agents: list[DependentAgent] = Field(
        default_factory=list, description="The agents whose mcp_server_ids name this server"
    )
    metadata: MCPServerMetadata


class MCPServersResponse(ContractModel):
    """Body of `GET /v1/convai/mcp-servers`."""

    mcp_servers: list[MCPServerResponse]


class MCPTool(ContractModel):
    """A tool as the MCP server lists it (the MCP `Tool`; other fields pass through)."""

    name: str
    title: str | None = None
    description: str | None = None
    input_schema: dict[str, Any] = Field(alias="inputSchema")
    output_schema: dict[str, Any] | None = Field(default=None, alias="outputSchema")
    annotations: dict[str, Any] | None = None
    meta: dict[str, Any] | None = Field(default=None, alias="_meta")


class MCPApprovedToolDefinition(ContractModel):
    """The definition of a tool when it was approved."""

    description: str | None = None
    input_schema: dict[str, Any] | None = None


class MCPToolApprovalStatus(ContractModel):
    """How a live tool stands against its stored approval (SDK 2.78)."""

    tool_id: str = Field(description="mcp:<server_id>:<tool_name>")
    state: MCPToolApprovalState
    approval_policy: MCPToolApprovalPolicy | None = None
    approved_definition: MCPApprovedToolDefinition | None = None


class ListMCPToolsResponse(ContractModel):
    """Body of `GET .../tools` (OA `ListMCPToolsResponseModel`)."""

    success: bool = Field(description="Whether the server could be asked for its tools")
    tools: list[MCPTool]
    tool_approval_statuses: list[MCPToolApprovalStatus] = Field(
        default_factory=list,
        description="For servers using per-tool approval: each live tool's approval state",
    )
    error_message: str | None = None


__all__ = [
    "ConvAIUserSecretDBModel",
    "ListMCPToolsResponse",
    "MCPApprovalPolicyUpdateRequest",
    "MCPApprovedToolDefinition",
    "MCPServerConfig",
    "MCPServerConfigUpdateRequest",
    "MCPServerMetadata",
    "MCPServerRequest",
    "MCPServerResponse",
    "MCPServerTransport",
    "MCPServersResponse",
    "MCPTool",
    "MCPToolAddApprovalRequest",
    "MCPToolApprovalHash",
    "MCPToolApprovalPolicy",
    "MCPToolApprovalState",
    "MCPToolApprovalStatus",
    "MCPToolConfigOverride",
    "RequestMetaValue",
]
