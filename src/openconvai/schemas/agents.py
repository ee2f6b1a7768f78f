"""Agents API: create/update bodies and the agent, summary, page and link responses."""

from typing import Annotated, Any, Literal

from pydantic import Field

from openconvai.schemas.base import ContractModel
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.schemas.platform_settings import (
    AgentPlatformSettings,
    AgentPlatformSettingsResponse,
)

Tag = Annotated[str, Field(min_length=1, max_length=256)]
AgentName = Annotated[str, Field(max_length=512)]


class AgentCreateRequest(ContractModel):
    """Body of `POST /v1/convai/agents/create`."""

    conversation_config: ConversationalConfig = Field(
        description="Conversation configuration; omitted fields take their defaults."
    )
    platform_settings: AgentPlatformSettings | None = None
    workflow: Any = None
    name: AgentName | None = None
    tags: Annotated[list[Tag], Field(max_length=100)] | None = None


class AgentUpdateRequest(ContractModel):
    """Body of `PATCH /v1/convai/agents/{agent_id}`: only the fields sent change (deep merge)."""

    conversation_config: ConversationalConfig | None = None
    platform_settings: AgentPlatformSettings | None = None
    workflow: Any = None
    name: AgentName | None = None
    tags: Annotated[list[Tag], Field(max_length=100)] | None = None
    version_description: str | None = None


class DuplicateAgentRequest(ContractModel):
    """Body of `POST /v1/convai/agents/{agent_id}/duplicate`."""

    name: AgentName | None = None


class CreateAgentResponse(ContractModel):
    """The id of a newly created agent."""

    agent_id: str


class AgentMetadata(ContractModel):
    """Timestamps of an agent."""

    created_at_unix_secs: int
    updated_at_unix_secs: int


class ResourceAccessInfo(ContractModel):
    """What the caller may do with a resource."""

    is_creator: bool
    creator_name: str
    creator_email: str
    role: Literal["admin", "editor", "viewer"]


class GetAgentResponse(ContractModel):
    """An agent with its complete configuration, every default filled in."""

    agent_id: str
    name: str
    conversation_config: ConversationalConfig
    metadata: AgentMetadata
    platform_settings: AgentPlatformSettingsResponse
    phone_numbers: list[dict[str, Any]] = Field(default_factory=list)
    workflow: Any = None
    access_info: ResourceAccessInfo | None = None
    tags: list[str] = Field(default_factory=list)


class AgentSummary(ContractModel):
    """One agent in a listing."""

    agent_id: str
    name: str
    tags: list[str]
    created_at_unix_secs: int
    updated_at_unix_secs: int
    access_info: ResourceAccessInfo
    last_call_time_unix_secs: int | None = None
    archived: bool = False
    voice_id: str | None = None


class GetAgentsPageResponse(ContractModel):
    """A page of agents."""

    agents: list[AgentSummary]
    next_cursor: str | None = None
    has_more: bool


class ConversationToken(ContractModel):
    """A token that lets a client start a conversation with an agent."""

    agent_id: str
    conversation_token: str
    expiration_time_unix_secs: int | None = None
    conversation_id: str | None = None
    purpose: Literal["signed_url", "shareable_link"] = "signed_url"


class GetAgentLinkResponse(ContractModel):
    """The shareable link data of an agent."""

    agent_id: str
    token: ConversationToken | None = None


class KnowledgeBaseSize(ContractModel):
    """How many pages the agent's knowledge base holds."""

    number_of_pages: float
