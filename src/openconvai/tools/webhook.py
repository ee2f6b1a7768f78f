"""Webhook tools: the server calls the tool's HTTP endpoint and the LLM hears the answer.

A call is checked first (`webhook_schema`: the LLM's arguments against the tool's parameter
schemas; an invalid call never reaches the server and the LLM is told what to fix), then built
(`webhook_request`: URL, query, JSON body, headers with secrets and dynamic variables) and sent
through the outbound guard, which refuses private addresses unless allowed, caps the body and
bounds the time (`response_timeout_secs`). Whatever happens becomes a short outcome the agent
can speak from; nothing raises. A JSON answer may set dynamic variables (`assignments`).
"""

import json
import logging
import math
from typing import Any

from openconvai.conversation.dynamic_variables import SYSTEM_PREFIX, VariableValue
from openconvai.conversation.setup import AgentTool
from openconvai.conversation.tool_port import ToolCallContext, ToolOutcome
from openconvai.providers.llm.base import ToolCall
from openconvai.schemas.tool_config import DynamicVariableAssignment, WebhookToolConfig
from openconvai.security.outbound import (
    OutboundError,
    OutboundGuard,
    OutboundResponse,
    OutboundResponseTooLarge,
    OutboundTooManyRedirects,
    OutboundUnresolvable,
    OutboundUrlRefused,
)
from openconvai.tools.webhook_request import WebhookRequestError, build_request
from openconvai.tools.webhook_schema import argument_errors, llm_parameters, normalise

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_RESULT_CHARS",
    "WebhookToolRunner",
    "assigned_variables",
    "llm_parameters",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_RESULT_CHARS = 10_000
_EXCERPT_CHARS = 300
_REASON_CHARS = 200


class WebhookToolRunner:
    """Runs webhook tools (contract type `webhook`) through one outbound guard."""

    def __init__(
        self,
        guard: OutboundGuard,
        *,
        max_timeout_secs: float | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        result_chars: int = DEFAULT_RESULT_CHARS,
    ) -> None:
        """`max_timeout_secs` caps every tool's `response_timeout_secs` (an operator's
        bound, or a test's); `max_body_bytes` caps the answer read; `result_chars` caps what
        the LLM sees of it (the whole answer is the outcome's `full_result`)."""
        if max_timeout_secs is not None and max_timeout_secs <= 0:
            raise ValueError("max_timeout_secs must be positive")
        self._guard = guard
        self._max_timeout_secs = max_timeout_secs
        self._max_body_bytes = max_body_bytes
        self._result_chars = result_chars

    async def run(self, call: ToolCall, tool: AgentTool, context: ToolCallContext) -> ToolOutcome:
        """Check, build and send one call; every failure is an error outcome."""
        config = tool.config
        if not isinstance(config, WebhookToolConfig):
            return ToolOutcome(f"The tool {call.name} has no webhook configured.", is_error=True)
        schema = llm_parameters(config.api_schema)
        arguments = normalise(schema, call.arguments)
        errors = argument_errors(schema, arguments)
        if errors:
            return ToolOutcome(
                f"The arguments for {call.name} are not valid: {'; '.join(errors)}. "
                "Call it again with corrected arguments.",
                is_error=True,
            )
        try:
            request = await build_request(config, arguments, context)
        except WebhookRequestError as error:
            return ToolOutcome(f"The tool {call.name} cannot be called: {error}.", is_error=True)
        seconds = float(config.response_timeout_secs)
        if self._max_timeout_secs is not None:
            seconds = min(seconds, self._max_timeout_secs)
        try:
            response = await self._guard.request(
                request.method,
                request.url,
                headers=request.headers,
                params=request.params,
                json=request.body,
                timeout_secs=seconds,
                max_body_bytes=self._max_body_bytes,
            )
        except OutboundError as error:
            return self._failed(call.name, error, seconds)
        return self._answered(call.name, config, response)

    def _failed(self, name: str, error: OutboundError, seconds: float) -> ToolOutcome:
        reason = _short(error.reason, _REASON_CHARS)
        if isinstance(error, OutboundUrlRefused):
            # A config the operator must fix (or allow): worth a warning, unlike a slow server.
            logger.warning("webhook tool %s: %s", name, error)
            text = f"The {name} webhook may not be called from this server: {reason}."
        elif isinstance(error, OutboundUnresolvable):
            text = f"The {name} webhook could not be reached: {reason}."
        elif isinstance(error, OutboundTooManyRedirects):
            text = f"The {name} webhook redirected too many times."
        elif isinstance(error, OutboundResponseTooLarge):
            text = (
                f"The {name} webhook's answer was larger than the "
                f"{self._max_body_bytes} bytes allowed."
            )
        elif "timed out" in error.reason:
            text = f"The {name} webhook did not answer within {seconds:g} seconds."
        else:
            text = f"The {name} webhook could not be reached ({reason})."
        if not isinstance(error, OutboundUrlRefused):
            logger.info("webhook tool %s: %s", name, error)
        return ToolOutcome(text, is_error=True)

    def _answered(
        self, name: str, config: WebhookToolConfig, response: OutboundResponse
    ) -> ToolOutcome:
        text = response.text
        status = response.status_code
        if status >= 400:
            excerpt = _short(" ".join(text.split()), _EXCERPT_CHARS)
            said = f": {excerpt}" if excerpt else " and no body"
            return ToolOutcome(
                f"The {name} webhook answered with HTTP {status}{said}",
                is_error=True,
                full_result=text if len(text) > _EXCERPT_CHARS else None,
            )
        updates: dict[str, VariableValue] = {}
        if config.assignments:
            try:
                data = json.loads(text)
            except ValueError:
                logger.info("webhook tool %s: the answer is not JSON; no assignments", name)
            else:
                updates = assigned_variables(config.assignments, data)
        if not text.strip():
            return ToolOutcome(
                f"The {name} webhook answered HTTP {status} with no content.",
                variable_updates=updates,
            )
        if len(text) <= self._result_chars:
            return ToolOutcome(text, variable_updates=updates)
        return ToolOutcome(
            text[: self._result_chars] + " ... (cut short)",
            full_result=text,
            variable_updates=updates,
        )


def assigned_variables(
    assignments: list[DynamicVariableAssignment], data: Any
) -> dict[str, VariableValue]:
    """The dynamic variables a JSON answer sets: each assignment's `value_path`, if present.

    A dot path (`user.name`, `data.0.id`) into objects and lists. A null or absent value
    sets nothing; an object or list is kept as its JSON text; `system__*` variables stay
    the platform's.
    """
    updates: dict[str, VariableValue] = {}
    for assignment in assignments:
        if assignment.source != "response" or assignment.dynamic_variable.startswith(SYSTEM_PREFIX):
            continue
        found, value = _at_path(data, assignment.value_path)
        if not found or value is None:
            continue
        if isinstance(value, dict | list):
            updates[assignment.dynamic_variable] = json.dumps(value, separators=(",", ":"))
        elif isinstance(value, bool | int | str) or (
            isinstance(value, float) and math.isfinite(value)
        ):
            updates[assignment.dynamic_variable] = value
    return updates


def _at_path(data: Any, path: str) -> tuple[bool, Any]:
    if not path:
        return False, None
    value = data
    for part in path.split("."):
        if isinstance(value, dict):
            if part not in value:
                return False, None
            value = value[part]
        elif isinstance(value, list):
            if not (part.isascii() and part.isdigit()) or int(part) >= len(value):
                return False, None
            value = value[int(part)]
        else:
            return False, None
    return True, value


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
