"""System tools, run by the platform itself (`built_in_tools` and system tool configs).

- `end_call`: the call ends once the goodbye has been heard;
- `skip_turn`: the agent stays silent this turn;
- `language_detection`: the conversation switches to one of the agent's languages, with
  that language's voice and prompt (and its first message, if the preset has one);
- `transfer_to_agent`: another agent of the workspace takes over the same conversation;
- `transfer_to_number`, `play_keypad_touch_tone`, `voicemail_detection`: phone calls only;
  elsewhere they answer with a clear error.
"""

import asyncio
from dataclasses import replace
from typing import Any

from openconvai.conversation.events import EndReason
from openconvai.conversation.setup import AgentTool, SessionSetup
from openconvai.conversation.tool_port import SessionSwitch, ToolCallContext, ToolOutcome
from openconvai.providers.llm.base import ToolCall
from openconvai.schemas.system_tool_params import TransferToAgentToolConfig
from openconvai.schemas.tool_config import SystemToolConfig

PHONE_ONLY = frozenset({"transfer_to_number", "play_keypad_touch_tone", "voicemail_detection"})
_REASON = {"type": "string", "description": "Why, in a few words"}


def system_tool_parameters(config: SystemToolConfig, languages: list[str]) -> dict[str, Any]:
    """The JSON schema of the arguments the LLM gives a system tool."""
    params = config.params
    properties: dict[str, Any] = {"reason": _REASON}
    required: list[str] = []
    if params.system_tool_type == "language_detection":
        properties["language"] = {
            "type": "string",
            "enum": languages,
            "description": "The language code to speak from now on",
        }
        required.append("language")
    elif isinstance(params, TransferToAgentToolConfig):
        conditions = "; ".join(
            f"{index}: {rule.condition}" for index, rule in enumerate(params.transfers)
        )
        properties["agent_number"] = {
            "type": "integer",
            "minimum": 0,
            "maximum": max(len(params.transfers) - 1, 0),
            "description": f"Which transfer applies ({conditions})",
        }
        required.append("agent_number")
    return {"type": "object", "properties": properties, "required": required}


class SystemToolRunner:
    """Runs the system tool named by the tool's `system_tool_type`."""

    async def run(self, call: ToolCall, tool: AgentTool, context: ToolCallContext) -> ToolOutcome:
        """Run one system tool call."""
        kind = tool.system_tool_type
        reason = _text(call.arguments.get("reason"))
        if kind == "end_call":
            # The model gets its round to say goodbye; the call ends once that is heard.
            return ToolOutcome(
                "The call will end after this message.",
                then_end=EndReason.END_CALL,
                details=_result("end_call_success", reason=reason),
            )
        if kind == "skip_turn":
            return ToolOutcome(
                "The agent stays silent this turn.",
                continue_reply=False,
                details=_result("skip_turn_success", reason=reason),
            )
        if kind in PHONE_ONLY and (context.setup is None or not context.setup.phone_call):
            return ToolOutcome(
                f"{kind} works on phone calls only; this conversation is not one.",
                is_error=True,
            )
        if kind == "language_detection" and context.setup is not None:
            return _switch_language(context.setup, call, reason)
        if kind == "transfer_to_agent" and isinstance(tool.config, SystemToolConfig):
            params = tool.config.params
            if isinstance(params, TransferToAgentToolConfig):
                return await _transfer(params, call, context)
        return ToolOutcome(
            f"The system tool {kind} is not available in this conversation.", is_error=True
        )


def _switch_language(setup: SessionSetup, call: ToolCall, reason: str | None) -> ToolOutcome:
    wanted = _text(call.arguments.get("language")) or ""
    option = setup.languages.get(wanted) or setup.languages.get(wanted.split("-")[0].lower())
    if option is None:
        known = ", ".join(sorted(setup.languages))
        return ToolOutcome(
            f"{wanted or 'That'} is not one of this agent's languages ({known}).", is_error=True
        )
    details = _result("language_detection_success", reason=reason, language=option.language)
    if option.language == setup.language:
        return ToolOutcome(f"The conversation is already in {option.language}.", details=details)
    switched = replace(
        setup, language=option.language, voice=option.voice, system_prompt=option.system_prompt
    )
    return ToolOutcome(
        f"The conversation is now in {option.language}: answer in that language.",
        switch=SessionSwitch(switched, say=option.first_message),
        details=details,
    )


async def _transfer(
    params: TransferToAgentToolConfig, call: ToolCall, context: ToolCallContext
) -> ToolOutcome:
    number = call.arguments.get("agent_number", 0)
    if (
        isinstance(number, bool)
        or not isinstance(number, int)
        or not (0 <= number < len(params.transfers))
    ):
        return ToolOutcome(
            f"agent_number must be between 0 and {len(params.transfers) - 1}.", is_error=True
        )
    rule = params.transfers[number]
    if context.handover is None or not rule.agent_id:
        return ToolOutcome("This conversation cannot be transferred.", is_error=True)
    try:
        switch = await context.handover(rule.agent_id)
    except LookupError as exc:
        return ToolOutcome(f"The transfer failed: {exc}", is_error=True)
    if rule.delay_ms > 0:
        await asyncio.sleep(rule.delay_ms / 1000)
    first = switch.setup.first_message if rule.enable_transferred_agent_first_message else ""
    say = " ".join(part for part in (rule.transfer_message, first) if part) or None
    details = _result(
        "transfer_to_agent_success",
        from_agent=context.agent_id,
        to_agent=rule.agent_id,
        condition=rule.condition,
        delay_ms=rule.delay_ms,
        transfer_message=rule.transfer_message,
        enable_transferred_agent_first_message=rule.enable_transferred_agent_first_message,
    )
    return ToolOutcome(
        f"The conversation was transferred to agent {rule.agent_id}.",
        switch=replace(switch, say=say),
        details=details,
    )


def _result(result_type: str, **fields: object) -> dict[str, object]:
    return {"result_type": result_type, "status": "success", **fields}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
