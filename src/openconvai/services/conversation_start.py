"""Starting a live conversation: the agent, its auth, the client's overrides and variables.

Transport-neutral: every transport hands a `StartRequest` to the conversation runner,
which calls `prepare` and gets everything the conversation core needs, or a refusal.
"""

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from openconvai.audio.call_recording import WavCallRecorder
from openconvai.conversation.events import CoreEvent
from openconvai.conversation.setup import SessionSetup
from openconvai.conversation.tool_port import SessionSwitch, ToolDispatcher
from openconvai.providers.catalog import check_language
from openconvai.providers.errors import ProviderError
from openconvai.providers.pipeline import Pipeline
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.schemas.conversations import ConversationInitiationSource
from openconvai.services import conversations
from openconvai.services.agent_tools import tools_for_agent
from openconvai.services.conversation_agents import AgentDocument, authorize, find_agent
from openconvai.services.conversation_deps import ConversationDeps
from openconvai.services.conversation_handover import handover_for
from openconvai.services.conversation_log import StoreConversationLog
from openconvai.services.conversation_mcp import connect_mcp_servers
from openconvai.services.conversation_refusal import ConversationRefused
from openconvai.services.conversation_secrets import secret_resolver
from openconvai.services.live_registry import Slots
from openconvai.services.overrides import (
    InvalidOverride,
    OverrideNotAllowed,
    apply_client_llm_extra_body,
    apply_overrides,
)
from openconvai.services.provider_access import resolve_access
from openconvai.services.session_setup import (
    SetupInputs,
    SetupRefused,
    agent_voice,
    build_setup,
    parse_tool_configs,
)
from openconvai.services.start_request import StartRequest
from openconvai.store import workspaces
from openconvai.store.text_errors import UNSTORABLE_TEXT_MESSAGE, is_unstorable_text
from openconvai.tools.registry import default_registry

_SOURCES = frozenset(get_args(ConversationInitiationSource))


@dataclass(frozen=True)
class PreparedConversation:
    """A conversation ready to start."""

    setup: SessionSetup
    pipeline: Pipeline
    log: StoreConversationLog
    workspace_id: str
    slots: Slots
    tools: ToolDispatcher
    secret: Callable[[str], Awaitable[str]]
    handover: Callable[[str], Awaitable[SessionSwitch]]
    recorder: WavCallRecorder | None = None
    # Events to send right after the conversation starts (its MCP servers' status).
    announcements: tuple[CoreEvent, ...] = ()
    # Called once the conversation is over (closes MCP connections).
    cleanup: tuple[Callable[[], Awaitable[None]], ...] = ()


async def prepare(deps: ConversationDeps, request: StartRequest) -> PreparedConversation:
    """Resolve everything the conversation needs, or raise `ConversationRefused`."""
    _check_initiation(request.initiation)
    agent = await find_agent(deps.settings, deps.database, request)
    authorization = authorize(deps.signing_key, agent, request)
    initiation = request.initiation
    overrides = agent.platform_settings.get("overrides") or {}
    try:
        raw_config, text_only = apply_overrides(
            agent.conversation_config, _object(initiation.get("conversation_config_override")),
            overrides,
        )  # fmt: skip
        extra_body = apply_client_llm_extra_body(
            overrides, _object(initiation.get("custom_llm_extra_body"))
        )
        config = ConversationalConfig.model_validate(raw_config)
    except (OverrideNotAllowed, InvalidOverride) as exc:
        raise ConversationRefused("override_error", str(exc)) from exc
    except ValidationError as exc:
        message = f"The effective config is invalid: {exc}"
        raise ConversationRefused("override_error", message) from exc
    try:
        async with deps.database.session() as session:
            access = await resolve_access(
                deps, session, agent.workspace_id, raw_config["agent"]["prompt"]
            )
            stored_tools = await tools_for_agent(
                session, agent.workspace_id, config.agent.prompt.tool_ids
            )
        pipeline = deps.providers.pipeline_for(config, access)
        await check_language(pipeline, agent_voice(config), text_only=text_only)
    except ProviderError as exc:
        raise ConversationRefused(exc.error_type, exc.message) from exc
    client_values = _object(initiation.get("dynamic_variables"))
    slots = await _admit(deps, agent)
    try:
        conversation_id = await _open(
            deps, agent, initiation, client_values, authorization, text_only
        )
    except ConversationRefused:
        await slots.release(deps.admission)
        raise
    recorder = None
    privacy = agent.platform_settings.get("privacy") or {}
    if privacy.get("record_voice", True) and not text_only:
        relative = f"recordings/{conversation_id}.wav"
        path = deps.settings.data_dir / relative
        recorder = (WavCallRecorder(path, pipeline.tts.sample_rate), relative)
    log = StoreConversationLog(deps.database, conversation_id, recorder)
    inputs = SetupInputs(
        conversation_id=conversation_id,
        agent_id=agent.agent_id,
        text_only=text_only,
        llm_extra_body=extra_body,
        client_values=client_values,
        speculative_replies=deps.settings.speculative_replies,
        max_tool_rounds=deps.settings.max_tool_rounds,
        input_format=request.input_format,
        output_format=request.output_format,
        extra_tools=(*stored_tools, *parse_tool_configs(agent.extra_tools)),
        caller_id=request.caller_id,
        called_number=request.called_number,
    )
    try:
        setup = build_setup(config, inputs)
    except SetupRefused as refusal:
        await slots.release(deps.admission)
        await log.close(
            failed=True,
            termination_reason=refusal.message,
            duration_secs=0,
            error={"code": 1008, "reason": refusal.message},
        )
        raise ConversationRefused(refusal.error_type, refusal.message) from refusal
    tools = default_registry(guard=deps.outbound)
    secret = secret_resolver(deps.database, deps.secret_box, agent.workspace_id)
    try:
        mcp = await connect_mcp_servers(
            deps, agent.workspace_id, config.agent.prompt.mcp_server_ids, setup, tools, secret
        )
    except BaseException:
        # The client left while the servers were being reached: nothing may stay taken.
        await slots.release(deps.admission)
        await log.close(failed=True, termination_reason="client disconnected", duration_secs=0)
        raise
    return PreparedConversation(
        mcp.setup, pipeline, log, agent.workspace_id, slots, tools, secret,
        handover_for(deps, agent.workspace_id, mcp.setup, client_values),
        recorder[0] if recorder else None,
        announcements=mcp.announcements,
        cleanup=mcp.cleanup,
    )  # fmt: skip


async def _admit(deps: ConversationDeps, agent: AgentDocument) -> Slots:
    """Take a slot under the workspace's and the agent's concurrency limits."""
    async with deps.database.session() as session:
        workspace = await workspaces.get_workspace(session, agent.workspace_id)
    settings = workspace.convai_settings if workspace is not None else {}
    call_limits = agent.platform_settings.get("call_limits") or {}
    limits = (
        (f"workspace:{agent.workspace_id}", settings.get("max_concurrent_conversations", -1),
         "The workspace"),
        (f"agent:{agent.agent_id}", call_limits.get("agent_concurrency_limit", -1), "The agent"),
    )  # fmt: skip
    capacity = deps.settings.max_conversations
    if deps.live.count() >= capacity:
        # Past this the process's CPU saturates and every live call's latency collapses.
        raise ConversationRefused(
            "http_exception",
            f"This server is at its capacity of {capacity} conversations; try again later.",
            1013,
        )
    holder = secrets.token_hex(12)
    taken: list[str] = []
    for key, limit, who in limits:
        if not isinstance(limit, int) or limit < 0:
            continue
        if not await deps.admission.acquire(key, holder, limit):
            await Slots(holder, tuple(taken)).release(deps.admission)
            raise ConversationRefused(
                "http_exception",
                f"{who} has reached its limit of {limit} concurrent conversations; "
                "try again later.",
                1013,
            )
        taken.append(key)
    return Slots(holder, tuple(taken))


async def _open(
    deps: ConversationDeps,
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
        async with deps.database.session() as session:
            return await conversations.start_conversation(
                session,
                workspace_id=agent.workspace_id,
                agent_id=agent.agent_id,
                user_id=user_id,
                dynamic_variables=client_values,
                initiation_client_data=client_data,
                metadata=metadata,
                node_id=deps.settings.resolved_node_id,
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


_OBJECT_FIELDS = (
    "dynamic_variables",
    "conversation_config_override",
    "custom_llm_extra_body",
    "source_info",
)


def _check_initiation(initiation: dict[str, Any]) -> None:
    """Refuse initiation data whose fields have the wrong JSON types, naming them."""
    wrong = [
        f"{name} must be an object, not {_json_type(initiation[name])}"
        for name in _OBJECT_FIELDS
        if initiation.get(name) is not None and not isinstance(initiation[name], dict)
    ]
    user_id = initiation.get("user_id")
    if user_id is not None and not isinstance(user_id, str):
        wrong.append(f"user_id must be a string, not {_json_type(user_id)}")
    if wrong:
        raise ConversationRefused(
            "invalid_message", "conversation_initiation_client_data: " + "; ".join(wrong)
        )


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _object(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
