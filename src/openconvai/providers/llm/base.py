"""The streaming LLM protocol: text deltas, tool calls and token usage."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its name, purpose and JSON-schema parameters."""

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object"})


@dataclass(frozen=True)
class ToolCall:
    """The model asks for a tool to run."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ChatMessage:
    """One message of the model's context."""

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True)
class LlmRequest:
    """Everything one generation needs."""

    model: str
    messages: Sequence[ChatMessage]
    tools: Sequence[ToolSpec] = ()
    temperature: float | None = None
    max_tokens: int | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TextDelta:
    """The next piece of the reply's text."""

    text: str


@dataclass(frozen=True)
class Usage:
    """Tokens one generation consumed."""

    model: str
    input_tokens: int
    output_tokens: int


LlmEvent = TextDelta | ToolCall | Usage


class LanguageModel(Protocol):
    """A model shared by every conversation of the process."""

    def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The reply as it is generated. Closing the iterator cancels the generation."""
        ...


@runtime_checkable
class Prefills(Protocol):
    """A model that can evaluate a prompt ahead of time, so a later request sharing its
    beginning starts faster (a local model's prefix cache)."""

    async def prefill(self, request: LlmRequest) -> None:
        """Evaluate the request's messages now; nothing is generated for anyone."""
        ...
