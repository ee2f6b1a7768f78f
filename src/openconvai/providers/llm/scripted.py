"""A deterministic LLM that answers from a script, token by token, on a set timeline."""

import asyncio
import re
from collections.abc import AsyncIterator, Sequence

from openconvai.providers.llm.base import (
    ChatMessage,
    LlmEvent,
    LlmRequest,
    TextDelta,
    ToolCall,
    Usage,
)

_CALL = re.compile(r"\bcall (?:the )?([a-z0-9_]+)", re.IGNORECASE)


class ScriptedLlm:
    """Replies with `reply`, where `{user}` is the last user message (default: an echo).

    - a user message saying "call <tool>" for a tool the request offers produces that
      tool call (arguments `{}`), and the next generation reports the tool's result;
    - `first_token_ms` and `token_ms` place the tokens on a timeline, so tests can assert
      what happens when, and benchmarks can model a model's speed.
    """

    def __init__(self, reply: str = "You said: {user}", first_token_ms: int = 0, token_ms: int = 0):
        self._reply = reply
        self._first = first_token_ms / 1000
        self._step = token_ms / 1000

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The scripted reply to the request's last message."""
        last = request.messages[-1] if request.messages else ChatMessage("user")
        if self._first:
            await asyncio.sleep(self._first)
        call = _CALL.search(last.content) if last.role == "user" else None
        offered = {tool.name for tool in request.tools}
        if call and call.group(1) in offered:
            yield ToolCall(id=f"call_{len(request.messages)}", name=call.group(1), arguments={})
            yield Usage(request.model, _count(request.messages), 1)
            return
        if last.role == "tool":
            text = f"The tool said: {last.content}"
        elif last.role == "system":
            text = "Are you still there?"
        else:
            text = self._reply.replace("{user}", last.content)
        words = re.findall(r"\S+\s*", text)
        for index, word in enumerate(words):
            if index and self._step:
                await asyncio.sleep(self._step)
            yield TextDelta(word)
        yield Usage(request.model, _count(request.messages), len(words))


def _count(messages: Sequence[ChatMessage]) -> int:
    return sum(len(message.content.split()) for message in messages)
