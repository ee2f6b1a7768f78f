"""Handing a live conversation to another agent of its workspace (`transfer_to_agent`)."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import ValidationError

from openconvai.conversation.setup import SessionSetup
from openconvai.conversation.tool_port import SessionSwitch
from openconvai.providers.errors import ProviderError
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.services.agent_tools import tools_for_agent
from openconvai.services.conversation_deps import ConversationDeps
from openconvai.services.provider_access import resolve_access
from openconvai.services.session_setup import SetupInputs, SetupRefused, build_setup
from openconvai.store import agents as agent_store


def handover_for(
    deps: ConversationDeps,
    workspace_id: str,
    current: SessionSetup,
    client_values: Mapping[str, Any],
) -> Callable[[str], Awaitable[SessionSwitch]]:
    """How the conversation of `current` goes on as another agent of `workspace_id`.

    The new agent brings its prompt, voice, tools and providers; the conversation id, the
    wire's audio formats, text-only mode and the client's variables stay. An agent that
    does not exist, or cannot run, is a LookupError naming why.
    """

    async def handover(agent_id: str) -> SessionSwitch:
        async with deps.database.session() as session:
            row = await agent_store.find_agent(session, agent_id)
            if row is None or row.workspace_id != workspace_id:
                raise LookupError(f"agent {agent_id} does not exist in this workspace")
            try:
                config = ConversationalConfig.model_validate(row.conversation_config)
            except ValidationError as exc:
                raise LookupError(f"agent {agent_id} has an invalid config") from exc
            access = await resolve_access(
                deps, session, workspace_id, row.conversation_config["agent"]["prompt"]
            )
            tools = await tools_for_agent(session, workspace_id, config.agent.prompt.tool_ids)
        try:
            pipeline = deps.providers.pipeline_for(config, access)
        except ProviderError as exc:
            raise LookupError(f"agent {agent_id} cannot run: {exc.message}") from exc
        inputs = SetupInputs(
            conversation_id=current.conversation_id,
            agent_id=agent_id,
            text_only=current.text_only,
            llm_extra_body=current.llm_extra_body,
            client_values=client_values,
            speculative_replies=current.speculative_replies,
            max_tool_rounds=current.max_tool_rounds,
            input_format=current.input_format,
            output_format=current.output_format,
            extra_tools=tuple(tools),
            phone_call=current.phone_call,
        )
        try:
            setup = build_setup(config, inputs)
        except SetupRefused as exc:
            raise LookupError(f"agent {agent_id} cannot take over: {exc.message}") from exc
        return SessionSwitch(setup, pipeline)

    return handover
