"""Starting a live conversation: the agent, its auth, the client's overrides and variables.

Transport-agnostic: the ElevenLabs WebSocket uses it today; phone transports will too.
"""

import logging
import secrets
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, get_args
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from openconvai.audio.call_recording import WavCallRecorder
from openconvai.audio.formats import AudioFormat
from openconvai.conversation import dynamic_variables as variables
from openconvai.conversation.overrides import (
    InvalidOverride,
    OverrideNotAllowed,
    apply_client_llm_extra_body,
    apply_overrides,
)
from openconvai.conversation.session import ConversationSession, Pipeline
from openconvai.conversation.setup import AgentTool, SessionSetup
from openconvai.conversation.turn_taking import TurnPolicy
from openconvai.providers.catalog import check_language
from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.base import ToolSpec
from openconvai.providers.tts.base import Voice
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.schemas.conversations import ConversationInitiationSource
from openconvai.schemas.platform_settings import AgentPlatformSettings
from openconvai.schemas.tool_config import TOOL_CONFIG_ADAPTER
from openconvai.services import conversations
from openconvai.services.conversation_auth import verify_conversation_token
from openconvai.services.conversation_log import StoreConversationLog
from openconvai.services.errors import ServiceError
from openconvai.services.provider_access import resolve_access
from openconvai.store import agents as agent_store
from openconvai.store import workspaces
from openconvai.store.text_errors import UNSTORABLE_TEXT_MESSAGE, is_unstorable_text

if TYPE_CHECKING:
    from openconvai.state import AppState

logger = logging.getLogger(__name__)

SELF_HOSTED_AGENT_ID = "self_hosted"
_SOURCES = frozenset(get_args(ConversationInitiationSource))


class ConversationRefused(Exception):
    """The conversation cannot start; the client gets an `error` event and this close code."""

    def __init__(self, error_type: str, message: str, close_code: int = 1008) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.close_code = close_code


@dataclass(frozen=True)
class ConnectRequest:
    """What a client presented when it connected."""

    agent_id: str | None
    initiation: dict[str, Any]
    conversation_signature: str | None = None
    token: str | None = None
    origin: str | None = None
    enclave: dict[str, Any] | None = None


@dataclass
class AgentDocument:
    """The agent a conversation runs: stored, or pushed by a self-hosted client."""

    agent_id: str
    workspace_id: str
    conversation_config: dict[str, Any]
    platform_settings: dict[str, Any]
    extra_tools: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Slots:
    """The concurrency slots a conversation holds, given back when it ends."""

    holder: str
    keys: tuple[str, ...] = ()

    async def release(self, state: "AppState") -> None:
        """Give every slot back."""
        for key in self.keys:
            await state.admission.release(key, self.holder)


@dataclass(frozen=True)
class PreparedConversation:
    """A conversation ready to start."""

    setup: SessionSetup
    pipeline: Pipeline
    log: StoreConversationLog
    workspace_id: str
    slots: Slots
    recorder: WavCallRecorder | None = None


async def prepare(state: "AppState", request: ConnectRequest) -> PreparedConversation:
    """Resolve everything the conversation needs, or raise `ConversationRefused`."""
    agent = await _agent(state, request)
    authorization = _authorize(state, agent, request)
    initiation = request.initiation
    try:
        config, text_only = apply_overrides(
            agent.conversation_config,
            _object(initiation.get("conversation_config_override")),
            agent.platform_settings.get("overrides") or {},
        )
        extra_body = apply_client_llm_extra_body(
            agent.platform_settings.get("overrides") or {},
            _object(initiation.get("custom_llm_extra_body")),
        )
    except (OverrideNotAllowed, InvalidOverride) as exc:
        raise ConversationRefused("override_error", str(exc)) from exc
    try:
        async with state.database.session() as session:
            access = await resolve_access(
                state, session, agent.workspace_id, config["agent"]["prompt"]
            )
        pipeline = state.providers.pipeline_for(ConversationalConfig.model_validate(config), access)
        await check_language(pipeline, _voice(config), text_only=text_only)
    except ProviderError as exc:
        raise ConversationRefused(exc.error_type, exc.message) from exc
    client_values = _object(initiation.get("dynamic_variables"))
    slots = await _admit(state, agent)
    try:
        conversation_id = await _open(
            state, agent, initiation, client_values, authorization, text_only
        )
    except ConversationRefused:
        await slots.release(state)
        raise
    privacy = agent.platform_settings.get("privacy") or {}
    recorder = None
    if privacy.get("record_voice", True) and not text_only:
        relative = f"recordings/{conversation_id}.wav"
        path = state.settings.data_dir / relative
        recorder = (WavCallRecorder(path, pipeline.tts.sample_rate), relative)
    log = StoreConversationLog(state.database, conversation_id, recorder)
    try:
        setup = _setup(state, agent, config, text_only, extra_body, client_values, conversation_id)
    except ConversationRefused as refusal:
        await slots.release(state)
        await log.close(
            failed=True,
            termination_reason=refusal.message,
            duration_secs=0,
            error={"code": refusal.close_code, "reason": refusal.message},
        )
        raise
    return PreparedConversation(
        setup, pipeline, log, agent.workspace_id, slots, recorder[0] if recorder else None
    )


class LiveConversations:
    """The conversations this process is running, for admission and graceful shutdown."""

    def __init__(self) -> None:
        self._sessions: dict[str, tuple[str, ConversationSession]] = {}

    def add(self, workspace_id: str, session: ConversationSession) -> None:
        """A conversation started."""
        self._sessions[session.setup.conversation_id] = (workspace_id, session)

    def remove(self, session: ConversationSession) -> None:
        """A conversation is over."""
        self._sessions.pop(session.setup.conversation_id, None)

    def count(self, workspace_id: str | None = None) -> int:
        """Live conversations, of one workspace or in all."""
        return sum(1 for ws, _ in self._sessions.values() if workspace_id in (None, ws))

    async def end_all(self, reason: str, close_code: int) -> None:
        """End every live conversation cleanly (transcripts finalised, clients told)."""
        for _, session in list(self._sessions.values()):
            await session.end(reason, close_code=close_code)


# --- steps -------------------------------------------------------------------------------


async def _agent(state: "AppState", request: ConnectRequest) -> AgentDocument:
    if request.enclave is not None:
        return await _self_hosted_agent(state, request)
    if not request.agent_id:
        raise ConversationRefused("invalid_message", "The agent_id query parameter is required.")
    async with state.database.session() as session:
        row = await agent_store.find_agent(session, request.agent_id)
    if row is None:
        raise ConversationRefused("invalid_message", f"Agent {request.agent_id} was not found.")
    return AgentDocument(row.id, row.workspace_id, row.conversation_config, row.platform_settings)


async def _self_hosted_agent(state: "AppState", request: ConnectRequest) -> AgentDocument:
    if not state.settings.allow_client_agent_config:
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
    async with state.database.session() as session:
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


async def _admit(state: "AppState", agent: AgentDocument) -> Slots:
    """Take a slot under the workspace's and the agent's concurrency limits."""
    async with state.database.session() as session:
        workspace = await workspaces.get_workspace(session, agent.workspace_id)
    settings = workspace.convai_settings if workspace is not None else {}
    call_limits = agent.platform_settings.get("call_limits") or {}
    limits = (
        (f"workspace:{agent.workspace_id}", settings.get("max_concurrent_conversations", -1),
         "The workspace"),
        (f"agent:{agent.agent_id}", call_limits.get("agent_concurrency_limit", -1), "The agent"),
    )  # fmt: skip
    if state.live.count() >= state.settings.max_conversations:
        # Past this the process's CPU saturates and every live call's latency collapses.
        raise ConversationRefused(
            "http_exception",
            "This server is at its capacity of "
            f"{state.settings.max_conversations} conversations; try again later.",
            1013,
        )
    holder = secrets.token_hex(12)
    taken: list[str] = []
    for key, limit, who in limits:
        if not isinstance(limit, int) or limit < 0:
            continue
        if not await state.admission.acquire(key, holder, limit):
            await Slots(holder, tuple(taken)).release(state)
            raise ConversationRefused(
                "http_exception",
                f"{who} has reached its limit of {limit} concurrent conversations; "
                "try again later.",
                1013,
            )
        taken.append(key)
    return Slots(holder, tuple(taken))


def _authorize(state: "AppState", agent: AgentDocument, request: ConnectRequest) -> str:
    if request.enclave is not None:
        return "public"
    auth = agent.platform_settings.get("auth") or {}
    try:
        method = verify_conversation_token(
            state.signing_key,
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


async def _open(
    state: "AppState",
    agent: AgentDocument,
    initiation: dict[str, Any],
    client_values: dict[str, Any],
    authorization: str,
    text_only: bool,
) -> str:
    source_info = _object(initiation.get("source_info"))
    source = source_info.get("source")
    known_source = source if source in _SOURCES else None
    user_id = _str(initiation.get("user_id"))
    client_data = {
        "conversation_config_override": _object(initiation.get("conversation_config_override")),
        "custom_llm_extra_body": _object(initiation.get("custom_llm_extra_body")),
        "user_id": user_id,
        "source_info": {"source": known_source, "version": _str(source_info.get("version"))},
        "dynamic_variables": client_values,
    }
    metadata = {
        "authorization_method": authorization,
        "conversation_initiation_source": known_source or "unknown",
        "conversation_initiation_source_version": _str(source_info.get("version")),
        "main_language": agent.conversation_config["agent"].get("language"),
    }
    try:
        async with state.database.session() as session:
            return await conversations.start_conversation(
                session,
                workspace_id=agent.workspace_id,
                agent_id=agent.agent_id,
                user_id=user_id,
                dynamic_variables=client_values,
                initiation_client_data=client_data,
                metadata=metadata,
                node_id=state.settings.resolved_node_id,
                text_only=text_only,
            )
    except ValidationError as exc:
        raise ConversationRefused(
            "invalid_message", f"conversation_initiation_client_data is not valid: {exc}"
        ) from exc
    except DBAPIError as exc:
        if is_unstorable_text(exc):
            raise ConversationRefused("invalid_message", UNSTORABLE_TEXT_MESSAGE) from exc
        raise


def _setup(
    state: "AppState",
    agent: AgentDocument,
    config: dict[str, Any],
    text_only: bool,
    extra_body: dict[str, Any],
    client_values: dict[str, Any],
    conversation_id: str,
) -> SessionSetup:
    agent_config = config["agent"]
    prompt = agent_config["prompt"]
    try:
        values = variables.resolve_variables(
            placeholders=(agent_config.get("dynamic_variables") or {}).get(
                "dynamic_variable_placeholders"
            )
            or {},
            client_values=client_values,
            system=variables.system_variables(
                agent_id=agent.agent_id,
                conversation_id=conversation_id,
                timezone=prompt.get("timezone"),
            ),
        )
        system_prompt = variables.render(prompt.get("prompt") or "", values)
        first_message = variables.render(agent_config.get("first_message") or "", values)
    except variables.MissingDynamicVariable as exc:
        raise ConversationRefused("missing_dynamic_variable", str(exc)) from exc
    except ValueError as exc:
        raise ConversationRefused("value_error", str(exc)) from exc
    tts = config["tts"]
    conversation = config["conversation"]
    turn = config["turn"]
    max_tokens = prompt.get("max_tokens")
    return SessionSetup(
        conversation_id=conversation_id,
        agent_id=agent.agent_id,
        system_prompt=system_prompt,
        first_message=first_message,
        llm_model=str(prompt.get("llm")),
        voice=_voice(config),
        voices=_voices(config),
        input_format=AudioFormat.parse(config["asr"]["user_input_audio_format"]),
        output_format=AudioFormat.parse(tts["agent_output_audio_format"]),
        text_only=text_only,
        language=str(agent_config.get("language") or "en"),
        asr_keywords=tuple(config["asr"].get("keywords") or ()),
        client_events=frozenset(conversation.get("client_events") or ()),
        temperature=prompt.get("temperature"),
        max_tokens=max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None,
        llm_extra_body=extra_body,
        tools=_tools(prompt, agent.extra_tools),
        turn_policy=TurnPolicy.from_turn_config(turn),
        turn_timeout_secs=float(turn.get("turn_timeout", 7)),
        silence_end_call_timeout_secs=float(turn.get("silence_end_call_timeout", -1)),
        max_duration_secs=float(conversation.get("max_duration_seconds", 600)),
        ping_interval_secs=state.settings.ping_interval_secs,
        speculative_replies=state.settings.speculative_replies,
        first_message_interruptible=not agent_config.get(
            "disable_first_message_interruptions", False
        ),
    )


def _voices(config: dict[str, Any]) -> dict[str, Voice]:
    """`tts.supported_voices` by label, each inheriting what it leaves unset."""
    base = _voice(config)
    voices: dict[str, Voice] = {}
    for entry in config["tts"].get("supported_voices") or ():
        voices[str(entry["label"])] = replace(
            base,
            voice_id=str(entry["voice_id"]),
            language=str(entry.get("language") or base.language),
            stability=_or(entry.get("stability"), base.stability),
            speed=_or(entry.get("speed"), base.speed),
            similarity_boost=_or(entry.get("similarity_boost"), base.similarity_boost),
        )
    return voices


def _or(value: Any, default: float) -> float:
    return float(value) if value is not None else default


def _voice(config: dict[str, Any]) -> Voice:
    tts = config["tts"]
    return Voice(
        voice_id=str(tts["voice_id"]),
        model_id=str(tts["model_id"]),
        language=str(config["agent"].get("language") or "en"),
        stability=float(tts.get("stability", 0.5)),
        speed=float(tts.get("speed", 1.0)),
        similarity_boost=float(tts.get("similarity_boost", 0.8)),
        optimize_streaming_latency=int(tts.get("optimize_streaming_latency", 3)),
    )


def _tools(prompt: dict[str, Any], extra: list[dict[str, Any]]) -> tuple[AgentTool, ...]:
    tools: list[AgentTool] = []
    configs = [*(prompt.get("tools") or []), *extra]
    for raw in configs:
        tool_config = raw.get("tool_config", raw)
        try:
            parsed = TOOL_CONFIG_ADAPTER.validate_python(tool_config).model_dump(mode="json")
        except ValidationError:
            logger.warning("skipping a tool config that does not validate: %r", tool_config)
            continue
        tools.append(_agent_tool(parsed))
    for name, built_in in (prompt.get("built_in_tools") or {}).items():
        if isinstance(built_in, dict):
            tools.append(_agent_tool({**built_in, "name": built_in.get("name") or name}))
    return tuple(tools)


def _agent_tool(config: dict[str, Any]) -> AgentTool:
    kind = config.get("type", "system")
    params = config.get("params") or {}
    parameters = config.get("parameters") or {"type": "object", "properties": {}}
    return AgentTool(
        spec=ToolSpec(str(config["name"]), str(config.get("description") or ""), parameters),
        type=kind,
        expects_response=bool(config.get("expects_response", False)),
        response_timeout_secs=float(config.get("response_timeout_secs", 20)),
        system_tool_type=params.get("system_tool_type") if kind == "system" else None,
    )


def _object(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
