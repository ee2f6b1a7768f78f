"""Workspace secrets (`/v1/convai/secrets`): values that configs reference by id.

A secret's value is write-only: no response carries it.
"""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from openconvai.schemas.base import ContractModel

SECRET_NAME_MAX_CHARS = 256
SECRET_VALUE_MAX_BYTES = 64 * 1024


def _fits_value_limit(value: str) -> str:
    # The character bound alone would let multi-byte text reach four times the limit.
    if len(value.encode("utf-8")) > SECRET_VALUE_MAX_BYTES:
        raise ValueError(f"secret value exceeds {SECRET_VALUE_MAX_BYTES} bytes in UTF-8")
    return value


SecretName = Annotated[str, StringConstraints(min_length=1, max_length=SECRET_NAME_MAX_CHARS)]
SecretValue = Annotated[
    str,
    StringConstraints(min_length=1, max_length=SECRET_VALUE_MAX_BYTES),
    AfterValidator(_fits_value_limit),
]

AccessLevel = Literal["admin", "editor", "commenter", "viewer"]
TelephonyProvider = Literal["twilio", "sip_trunk", "exotel"]
SecretDependencyType = Literal["conversation_initiation_webhook"]


class PostWorkspaceSecretRequest(ContractModel):
    """Body of `POST /v1/convai/secrets`."""

    type: Literal["new"]
    name: SecretName
    value: SecretValue


class PatchWorkspaceSecretRequest(ContractModel):
    """Body of `PATCH /v1/convai/secrets/{secret_id}`."""

    type: Literal["update"]
    name: SecretName
    value: SecretValue


class PostWorkspaceSecretResponse(ContractModel):
    """A secret as stored, returned by create and update (OA `PostWorkspaceSecretResponseModel`)."""

    # Required constant in the OA; defaulted because only the server builds responses.
    type: Literal["stored"] = "stored"
    secret_id: str
    name: str


class DependentAvailableToolIdentifier(ContractModel):
    """A tool using the secret that the caller can see."""

    id: str
    name: str
    type: Literal["available"] = "available"
    created_at_unix_secs: int
    access_level: AccessLevel


class DependentUnknownToolIdentifier(ContractModel):
    """A tool using the secret that the caller has no access to."""

    type: Literal["unknown"] = "unknown"


class DependentAvailableAgentIdentifier(ContractModel):
    """An agent using the secret that the caller can see."""

    id: str
    name: str
    type: Literal["available"] = "available"
    created_at_unix_secs: int
    access_level: AccessLevel


class DependentUnknownAgentIdentifier(ContractModel):
    """An agent using the secret that the caller has no access to."""

    type: Literal["unknown"] = "unknown"


class DependentAvailableMcpServerIdentifier(ContractModel):
    """An MCP server using the secret that the caller can see (SDK 2.78)."""

    id: str
    name: str
    type: Literal["available"] = "available"
    created_at_unix_secs: int
    access_level: AccessLevel


class DependentUnknownMcpServerIdentifier(ContractModel):
    """An MCP server using the secret that the caller has no access to (SDK 2.78)."""

    type: Literal["unknown"] = "unknown"
    id: str


class DependentPhoneNumberIdentifier(ContractModel):
    """A phone number whose configuration uses the secret."""

    phone_number_id: str
    phone_number: str
    label: str
    provider: TelephonyProvider


DependentTool = Annotated[
    DependentAvailableToolIdentifier | DependentUnknownToolIdentifier,
    Field(discriminator="type"),
]
DependentAgent = Annotated[
    DependentAvailableAgentIdentifier | DependentUnknownAgentIdentifier,
    Field(discriminator="type"),
]
DependentMcpServer = Annotated[
    DependentAvailableMcpServerIdentifier | DependentUnknownMcpServerIdentifier,
    Field(discriminator="type"),
]


class ConvAIStoredSecretDependencies(ContractModel):
    """The tools, agents, phone numbers and workspace settings that reference a secret."""

    tools: list[DependentTool]
    agents: list[DependentAgent]
    others: list[SecretDependencyType]
    phone_numbers: list[DependentPhoneNumberIdentifier] = Field(default_factory=list)
    mcp_servers: list[DependentMcpServer] = Field(default_factory=list)


class WorkspaceStoredSecret(ContractModel):
    """A secret as listed and as `GET /v1/convai/secrets/{secret_id}` returns it.

    OA `ConvAIWorkspaceStoredSecretConfig`.
    """

    # Required constant in the OA; defaulted because only the server builds responses.
    type: Literal["stored"] = "stored"
    secret_id: str
    name: str
    used_by: ConvAIStoredSecretDependencies


class GetWorkspaceSecretsResponse(ContractModel):
    """Body of `GET /v1/convai/secrets`."""

    secrets: list[WorkspaceStoredSecret]
    # Not in the OA snapshot; SDK 2.78 pages the list with it.
    next_cursor: str | None = None


__all__ = [
    "SECRET_NAME_MAX_CHARS",
    "SECRET_VALUE_MAX_BYTES",
    "AccessLevel",
    "ConvAIStoredSecretDependencies",
    "DependentAgent",
    "DependentAvailableAgentIdentifier",
    "DependentAvailableMcpServerIdentifier",
    "DependentAvailableToolIdentifier",
    "DependentMcpServer",
    "DependentPhoneNumberIdentifier",
    "DependentTool",
    "DependentUnknownAgentIdentifier",
    "DependentUnknownMcpServerIdentifier",
    "DependentUnknownToolIdentifier",
    "GetWorkspaceSecretsResponse",
    "PatchWorkspaceSecretRequest",
    "PostWorkspaceSecretRequest",
    "PostWorkspaceSecretResponse",
    "SecretDependencyType",
    "SecretName",
    "SecretValue",
    "TelephonyProvider",
    "WorkspaceStoredSecret",
]
