"""Claude models through Anthropic's Messages API and the official `anthropic` SDK."""

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx2
from anthropic import (
    AnthropicError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncAnthropic,
    AsyncStream,
    Omit,
    omit,
)
from anthropic.types import (
    ContentBlockParam,
    MessageParam,
    RawMessageStreamEvent,
    ToolParam,
    ToolResultBlockParam,
)

from openconvai.providers.access import Access
from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.base import (
    ChatMessage,
    LlmEvent,
    LlmRequest,
    TextDelta,
    ToolCall,
    ToolSpec,
    Usage,
)

logger = logging.getLogger(__name__)

# The Messages API requires a limit; a spoken turn rarely needs more.
DEFAULT_MAX_TOKENS = 1024

# The API takes only "user" first; an agent that speaks first needs a turn before its own.
OPENING_TURN = "(The conversation starts.)"

# Claude's family/version in the names of 4.x and later: "claude-sonnet-4-5-20250929"
# is (4, 5); the 8-digit date is no minor version.
_VERSION = re.compile(r"^claude-[a-z]+-(\d+)(?:-(\d{1,2}))?(?:-|$)")

_Role = Literal["user", "assistant"]


class AnthropicLlm:
    """Streams Claude's replies from the Messages API."""

    def __init__(self, access: Access, *, timeout_secs: float):
        self._timeout = timeout_secs
        self._client = AsyncAnthropic(
            api_key=access.api_key,
            base_url=access.base_url,
            default_headers=dict(access.headers),
            timeout=timeout_secs,
            # A retry after a failed turn costs more than the turn is worth.
            max_retries=0,
        )

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The reply as it streams; closing the iterator closes the HTTP stream."""
        try:
            async with asyncio.timeout(self._timeout):
                events = await self._open(request)
        except (AnthropicError, httpx2.HTTPError, TimeoutError) as error:
            raise self._failure(error) from error
        blocks: dict[int, _ToolUse] = {}
        tokens_in = tokens_out = 0
        seen_usage = False
        try:
            while True:
                try:
                    async with asyncio.timeout(self._timeout):
                        event = await anext(events, None)
                except (AnthropicError, httpx2.HTTPError, TimeoutError) as error:
                    raise self._failure(error) from error
                if event is None:
                    break
                if event.type == "message_start":
                    usage = event.message.usage
                    tokens_in = (
                        usage.input_tokens
                        + (usage.cache_creation_input_tokens or 0)
                        + (usage.cache_read_input_tokens or 0)
                    )
                    tokens_out = usage.output_tokens
                    seen_usage = True
                elif event.type == "content_block_start":
                    block = event.content_block
                    if block.type == "tool_use":
                        blocks[event.index] = _ToolUse(block.id, block.name, dict(block.input))
                    elif block.type == "text" and block.text:
                        yield TextDelta(block.text)
                elif event.type == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta" and delta.text:
                        yield TextDelta(delta.text)
                    elif delta.type == "input_json_delta" and event.index in blocks:
                        blocks[event.index].json.append(delta.partial_json)
                elif event.type == "content_block_stop":
                    if event.index in blocks:
                        yield blocks.pop(event.index).call()
                elif event.type == "message_delta":
                    # Counts here are cumulative: they replace what message_start said.
                    tokens_out = event.usage.output_tokens
                    if event.usage.input_tokens is not None:
                        tokens_in = (
                            event.usage.input_tokens
                            + (event.usage.cache_creation_input_tokens or 0)
                            + (event.usage.cache_read_input_tokens or 0)
                        )
                    seen_usage = True
            for index in sorted(blocks):
                yield blocks.pop(index).call()
            if seen_usage:
                yield Usage(request.model, tokens_in, tokens_out)
        finally:
            await events.close()

    async def _open(self, request: LlmRequest) -> AsyncStream[RawMessageStreamEvent]:
        system, messages = _conversation(request.messages)
        body: dict[str, Any] = {}
        # SDK 1.0 dropped `temperature` from its signature (the API deprecates it);
        # the API still takes it, up to Claude 4.6, and rejects it after.
        if request.temperature is not None and takes_temperature(request.model):
            body["temperature"] = request.temperature
        body.update(request.extra_body)
        tools: list[ToolParam] = [_tool(spec) for spec in request.tools]
        system_param: str | Omit = system if system else omit
        return await self._client.messages.create(
            model=request.model,
            max_tokens=request.max_tokens or DEFAULT_MAX_TOKENS,
            system=system_param,
            messages=messages,
            tools=tools if tools else omit,
            stream=True,
            extra_body=body or None,
        )

    def _failure(self, error: Exception) -> ProviderError:
        if isinstance(error, TimeoutError | APITimeoutError | httpx2.TimeoutException):
            message = f"Anthropic sent nothing for {self._timeout:g} s"
        elif isinstance(error, APIStatusError):
            detail = _detail(error.body) or error.message
            if 200 <= error.status_code < 300:
                # An `error` event inside a stream that had started well.
                message = f"Anthropic's stream failed: {detail}"
            else:
                message = f"Anthropic answered HTTP {error.status_code}: {detail}"
        elif isinstance(error, APIConnectionError | httpx2.TransportError):
            message = f"Anthropic could not be reached: {error.__cause__ or error}"
        else:
            message = f"Anthropic failed: {error}"
        return ProviderError("llm_error", message)


def takes_temperature(model: str) -> bool:
    """Whether the model accepts `temperature`: Claude 3.x and 4.x up to 4.6 do; from
    Opus 4.7 on any value but the default is an HTTP 400, so it is left out."""
    if model.startswith("claude-3"):
        return True
    found = _VERSION.match(model)
    if found is None:
        return False
    return (int(found.group(1)), int(found.group(2) or 0)) <= (4, 6)


@dataclass
class _ToolUse:
    id: str
    name: str
    start: dict[str, Any]
    json: list[str] = field(default_factory=list)

    def call(self) -> ToolCall:
        text = "".join(self.json)
        return ToolCall(self.id, self.name, _arguments(text, self.name) if text else self.start)


def _arguments(text: str, tool: str) -> dict[str, Any]:
    """A tool call's input; broken JSON gives the tool no arguments rather than failing
    the turn."""
    try:
        value = json.loads(text)
    except ValueError:
        logger.warning("tool call %s: input is not JSON: %.200s", tool, text)
        return {}
    if not isinstance(value, dict):
        logger.warning("tool call %s: input is not a JSON object: %.200s", tool, text)
        return {}
    return value


def _conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[MessageParam]]:
    """The system prompt and the turns in the API's shape.

    Leading system messages become `system=`; a later one (a nudge after silence, say)
    can only be a user turn. Consecutive turns of one role are merged, since the API
    wants them alternating, and tool results go first in their user turn, as it requires.
    """
    system: list[str] = []
    turns: list[tuple[_Role, list[ContentBlockParam]]] = []
    leading = True
    for message in messages:
        role: _Role
        blocks: list[ContentBlockParam] = []
        leading = leading and message.role == "system"
        if leading:
            if message.content:
                system.append(message.content)
            continue
        if message.role == "assistant":
            role = "assistant"
            if message.content:
                blocks.append({"type": "text", "text": message.content})
            blocks.extend(
                {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
                for call in message.tool_calls
            )
        elif message.role == "tool":
            role = "user"
            result: ToolResultBlockParam = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
            }
            if message.content:
                result["content"] = message.content
            blocks.append(result)
        else:
            role = "user"
            if message.content:
                blocks.append({"type": "text", "text": message.content})
        if not blocks:
            continue
        if turns and turns[-1][0] == role:
            turns[-1][1].extend(blocks)
        else:
            turns.append((role, blocks))
    if turns and turns[0][0] == "assistant":
        turns.insert(0, ("user", [{"type": "text", "text": OPENING_TURN}]))
    params: list[MessageParam] = []
    for role, blocks in turns:
        if role == "user":
            blocks.sort(key=lambda block: block["type"] != "tool_result")
            params.append({"role": "user", "content": blocks})
        else:
            params.append({"role": "assistant", "content": blocks})
    return "\n\n".join(system), params


def _tool(spec: ToolSpec) -> ToolParam:
    return {"name": spec.name, "description": spec.description, "input_schema": spec.parameters}


def _detail(body: object) -> str | None:
    """The message inside Anthropic's `{"type": "error", "error": {...}}` body."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            kind = inner.get("type")
            return f"{kind}: {inner['message']}" if isinstance(kind, str) else inner["message"]
    return None
