"""The Chat Completions wire format both chat clients share: messages and tools as JSON,
and tool calls put together from their streamed fragments."""

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openconvai.providers.llm.base import ChatMessage, LlmEvent, TextDelta, ToolCall, ToolSpec

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ToolCallPieces:
    """Text and tool calls out of streamed choices; calls arrive in pieces keyed by index."""

    def __init__(self) -> None:
        self._pending: dict[int, _Pending] = {}

    def take(self, choice: Any) -> list[LlmEvent]:
        """The events one streamed choice completes (only the first choice counts)."""
        if not isinstance(choice, dict) or choice.get("index"):
            return []
        events: list[LlmEvent] = []
        delta = choice.get("delta")
        if isinstance(delta, dict):
            if delta.get("content"):
                events.append(TextDelta(str(delta["content"])))
            for piece in delta.get("tool_calls") or ():
                if isinstance(piece, dict):
                    self.add(piece)
        if choice.get("finish_reason") is not None:
            events.extend(self.flush())
        return events

    def add(self, piece: dict[str, Any]) -> None:
        """One streamed fragment of a tool call (`delta.tool_calls[i]` as JSON)."""
        call = self._pending.setdefault(self._slot(piece), _Pending())
        if piece.get("id"):
            call.id = str(piece["id"])
        function = piece.get("function")
        if isinstance(function, dict):
            if function.get("name"):
                call.name = str(function["name"])
            if function.get("arguments"):
                call.arguments.append(str(function["arguments"]))

    def _slot(self, piece: dict[str, Any]) -> int:
        # Not every compatible server sends `index`: then a new id starts a new call, and
        # a fragment without one continues the last.
        index = piece.get("index")
        if isinstance(index, int) and not isinstance(index, bool):
            return index
        found = piece.get("id")
        for slot, call in self._pending.items():
            if found and call.id == found:
                return slot
        if found or not self._pending:
            return len(self._pending)
        return max(self._pending)

    def flush(self) -> list[ToolCall]:
        """The calls completed so far."""
        calls = [
            ToolCall(
                id=call.id or f"call_{uuid.uuid4().hex[:24]}",
                name=call.name,
                arguments=call_arguments("".join(call.arguments), call.name),
            )
            for _, call in sorted(self._pending.items())
            if call.name
        ]
        self._pending.clear()
        return calls


def call_arguments(text: str, tool: str) -> dict[str, Any]:
    """A call's arguments; a model writing broken JSON gets a tool run with none."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        logger.warning("tool call %s: arguments are not JSON: %.200s", tool, text)
        return {}
    if not isinstance(value, dict):
        logger.warning("tool call %s: arguments are not a JSON object: %.200s", tool, text)
        return {}
    return value


def chat_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    converted: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            converted.append(
                {"role": "tool", "tool_call_id": message.tool_call_id or "",
                 "content": message.content}
            )  # fmt: skip
        elif message.role == "assistant" and message.tool_calls:
            calls = [
                {"id": call.id, "type": "function",
                 "function": {"name": call.name, "arguments": json.dumps(call.arguments)}}
                for call in message.tool_calls
            ]  # fmt: skip
            converted.append(
                {"role": "assistant", "content": message.content or None, "tool_calls": calls}
            )
        else:
            converted.append({"role": message.role, "content": message.content})
    return converted


def chat_tool(spec: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.parameters,
        },
    }
