"""Tool calls that a model wrote as JSON text instead of the API's tool-call field.

Small open models (and the servers that host them) often answer a tool request with
`{"name": "get_weather", "arguments": {...}}`, sometimes in a ```json fence, as the reply's
text. A reply that starts like that is held back and, if it names an offered tool, becomes
a `ToolCall`; any other reply streams on untouched after its first characters.
"""

import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from openconvai.providers.llm.base import (
    LanguageModel,
    LlmEvent,
    LlmRequest,
    TextDelta,
    ToolCall,
    ToolSpec,
)

logger = logging.getLogger(__name__)

_FENCE = "```"


async def tool_calls_from_text(
    events: AsyncIterator[LlmEvent], tools: Sequence[ToolSpec], *, call_id: str
) -> AsyncIterator[LlmEvent]:
    """`events` with a leading JSON tool call in the text turned into a `ToolCall`."""
    held = ""
    deciding = bool(tools)
    try:
        async for event in events:
            if not isinstance(event, TextDelta) or not deciding:
                yield event
                continue
            held += event.text
            start = held.lstrip()
            if start and not _may_be_call(start):
                deciding = False
                yield TextDelta(held)
                held = ""
            elif _object_closed(start):
                # The call is whole: whatever the model says after it is commentary.
                call = parse_tool_call(held, tools, call_id=call_id)
                if call is not None:
                    yield call
                    return
                deciding = False
                yield TextDelta(held)
                held = ""
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
    if not held.strip():
        return
    call = parse_tool_call(held, tools, call_id=call_id)
    if call is not None:
        yield call
    else:
        logger.info("a reply that looked like a tool call was not one: %.200s", held)
        yield TextDelta(held)


def _may_be_call(text: str) -> bool:
    """Whether text that starts a reply could still turn out to be a JSON tool call."""
    if text.startswith("{"):
        return True
    if _FENCE.startswith(text[:3]) and len(text) < len(_FENCE):
        return True
    if text.startswith(_FENCE):
        after = text[len(_FENCE) :].lstrip("json").lstrip()
        return not after or after.startswith("{")
    return False


def _object_closed(text: str) -> bool:
    """Whether the first JSON object in `text` is complete."""
    start = text.find("{")
    return start >= 0 and _scan(text[start:])[0] is not None


class LenientToolCalls:
    """Wraps a model so tool calls it writes as text reach the conversation as calls."""

    def __init__(self, model: LanguageModel) -> None:
        self._model = model

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The wrapped model's reply, with textual tool calls parsed."""
        call_id = f"call_{len(request.messages)}"
        async for event in tool_calls_from_text(
            self._model.stream(request), request.tools, call_id=call_id
        ):
            yield event

    async def aclose(self) -> None:
        """Close the wrapped model's client."""
        close = getattr(self._model, "aclose", None)
        if close is not None:
            await close()


def parse_tool_call(text: str, tools: Sequence[ToolSpec], *, call_id: str) -> ToolCall | None:
    """A tool call from model output, forgiving fences, truncation and stray text."""
    offered = {tool.name for tool in tools}
    start = text.find("{")
    if start < 0:
        return None
    value = _lenient_json(text[start:])
    if not isinstance(value, dict):
        return None
    name = value.get("name") or value.get("tool")
    if not isinstance(name, str) or name not in offered:
        return None
    arguments = value.get("arguments", value.get("parameters", {}))
    if isinstance(arguments, str):
        arguments = _lenient_json(arguments)
    return ToolCall(
        id=call_id, name=name, arguments=arguments if isinstance(arguments, dict) else {}
    )


def _lenient_json(text: str) -> Any:
    """Parse the first JSON object in `text`, closing what a truncated reply left open."""
    end, closers, in_string = _scan(text)
    repaired = text if end is None else text[:end]
    if end is None:
        repaired += ('"' if in_string else "") + "".join(reversed(closers))
    try:
        return json.loads(repaired.rstrip().rstrip(","))
    except json.JSONDecodeError:
        return None


def _scan(text: str) -> tuple[int | None, list[str], bool]:
    """Where the JSON value opening `text` ends (None if it does not), else what is open."""
    closers: list[str] = []
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            closers.append("}" if char == "{" else "]")
        elif char in "}]" and closers:
            closers.pop()
            if not closers:
                return index + 1, [], False
    return None, closers, in_string
