"""The agent a conversation runs, and whether the client may talk to it."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.schemas.platform_settings import AgentPlatformSettings
from openconvai.services.conversation_auth import verify_conversation_token
from openconvai.services.conversation_refusal import ConversationRefused
from openconvai.services.errors import ServiceError
from openconvai.services.start_request import StartRequest
from openconvai.settings import Settings
from openconvai.store import agents as agent_store
from openconvai.store import workspaces
from openconvai.store.database import Database

SELF_HOSTED_AGENT_ID = "self_hosted"


@dataclass
class AgentDocument:
    """The agent a conversation runs: stored, or pushed by a self-hosted client."""

    agent_id: str
    workspace_id: str
    conversation_config: dict[str, Any]
    platform_settings: dict[str, Any]
    extra_tools: list[dict[str, Any]] = field(default_factory=list)


async def find_agent(
    settings: Settings, database: Database, request: StartRequest
) -> AgentDocument:
    """The stored agent the request names, or the self-hosted one it carries."""
    if request.enclave is not None:
        return await _self_hosted_agent(settings, database, request)
    if not request.agent_id:
        raise ConversationRefused("invalid_message", "The agent_id query parameter is required.")
    async with database.session() as session:
        row = await agent_store.find_agent(session, request.agent_id)
    if row is None:
        raise ConversationRefused("invalid_message", f"Agent {request.agent_id} was not found.")
    return AgentDocument(row.id, row.workspace_id, row.conversation_config, row.platform_settings)


async def _self_hosted_agent(
    settings: Settings, database: Database, request: StartRequest
) -> AgentDocument:
    if not settings.allow_client_agent_config:
        raise ConversationRefused(
            "invalid_message", "This server does not accept agent configs from clients."
        )
    enclave = request.enclave or {}
    document = _object(enclave.get("agent_config_dict"))
    # Either a whole agent ({conversation_config, platform_settings}) or just its config.
    raw_config = document.get("conversation_config", document)
    try:
        config = ConversationalConfig.model_validate(raw_config).model_dump(mode="json")
        platform = AgentPlatformSettings.model_validate(
            _object(document.get("platform_settings"))
        ).model_dump(mode="json")
    except ValidationError as exc:
        raise ConversationRefused(
            "invalid_message", f"agent_config_dict is not a valid agent config: {exc}"
        ) from exc
    tools = enclave.get("tools_config_list") or []
    async with database.session() as session:
        workspace = await workspaces.first_workspace(session)
    if workspace is None:
        raise ConversationRefused("unknown", "The server has no workspace yet.", 1011)
    return AgentDocument(
        request.agent_id or SELF_HOSTED_AGENT_ID,
        workspace.id,
        config,
        platform,
        [tool for tool in tools if isinstance(tool, dict)],
    )


def authorize(signing_key: bytes, agent: AgentDocument, request: StartRequest) -> str:
    """How the client is authorized to talk to the agent (`ConversationRefused` if not)."""
    if request.enclave is not None:
        return "public"
    auth = agent.platform_settings.get("auth") or {}
    try:
        method = verify_conversation_token(
            signing_key,
            agent.agent_id,
            conversation_signature=request.conversation_signature,
            token=request.token,
            auth_required=bool(auth.get("enable_auth")),
        )
    except ServiceError as exc:
        raise ConversationRefused("http_exception", exc.message) from exc
    _check_origin(auth, request.origin)
    return method


def _check_origin(auth: dict[str, Any], origin: str | None) -> None:
    allowed = {
        str(item.get("hostname", "")).lower()
        for item in auth.get("allowlist") or []
        if isinstance(item, dict)
    }
    if not allowed:
        return
    if not origin:
        if auth.get("require_origin_header"):
            raise ConversationRefused("http_exception", "This agent requires an Origin header.")
        return
    host = (urlsplit(origin).hostname or "").lower()
    if host not in allowed:
        raise ConversationRefused(
            "http_exception", f"Origin {origin} is not in this agent's allowlist."
        )


def _object(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}
