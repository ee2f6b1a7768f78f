"""The embedded LLM: llama.cpp (xllamacpp) serving a GGUF model in this process.

llama.cpp runs its OpenAI-compatible server on a loopback port; replies stream through
the same client as any OpenAI-compatible `custom_llm`. Its prompt cache keeps the agent's
system prompt evaluated between turns, so a turn only pays for the new messages.

Small local models rarely follow a native tool-calling template, so tools are offered in
the system prompt and the output is constrained by a grammar: either a JSON object that
matches one tool's schema, or plain text that does not start with `{`. The JSON is parsed
leniently (`text_tool_calls`), so a tool call that is cut short still reaches the
conversation.
"""

import json
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import xllamacpp

from openconvai.providers.access import Access
from openconvai.providers.llm.base import ChatMessage, LlmEvent, LlmRequest, ToolSpec, Usage
from openconvai.providers.llm.compatible_chat import CompatibleChatLlm
from openconvai.providers.llm.text_tool_calls import tool_calls_from_text

logger = logging.getLogger(__name__)

_DEFAULT_MAX_TOKENS = 200  # a spoken turn; longer answers would take a minute to say


class LocalLlama:
    """One llama.cpp model shared by every conversation (`parallel` generate at once)."""

    def __init__(
        self, model_path: Path, *, context: int, parallel: int, threads: int, timeout_secs: float
    ) -> None:
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path)
        params.n_parallel = parallel
        # Each parallel slot gets context / parallel tokens.
        params.n_ctx = context * parallel
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        # Idle llama.cpp threads spin by default; beside Whisper and Piper on a few cores
        # that spinning starves them (measured: 5 tokens/s instead of 40). Sleep instead.
        params.cpuparams.poll = 0
        params.cpuparams_batch.poll = 0
        params.warmup = True
        self._lock = threading.Lock()
        self._server = xllamacpp.Server(params)
        self.model_name = model_path.stem
        self._client = CompatibleChatLlm(
            Access(api_key="local", base_url=f"{self._server.listening_address}/v1"),
            timeout_secs=timeout_secs,
            error_type="llm_error",
        )

    async def prefill(self, request: LlmRequest) -> None:
        """Evaluate the conversation so far into the prefix cache (one token generated).

        Called while the user speaks: the reply's request then only adds their words.
        """
        local = self._local(request)
        warm = LlmRequest(model=local.model, messages=local.messages, max_tokens=1, temperature=0.0)
        async for _event in self._client.stream(warm):
            pass

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The reply; a leading JSON object becomes a tool call instead of text."""
        local = self._local(request)
        events = tool_calls_from_text(
            self._client.stream(local),
            _callable(request),
            call_id=f"call_{len(request.messages)}",
        )
        async for event in events:
            if isinstance(event, Usage):
                yield Usage(request.model, event.input_tokens, event.output_tokens)
            else:
                yield event

    def _local(self, request: LlmRequest) -> LlmRequest:
        """The request as the embedded model takes it: tools in the prompt, a grammar."""
        tools = _callable(request)
        return LlmRequest(
            model=self.model_name,
            messages=_flatten(request.messages, tools),
            temperature=request.temperature,
            max_tokens=request.max_tokens or _DEFAULT_MAX_TOKENS,
            extra_body={**request.extra_body, **_grammar(tools)},
        )

    async def aclose(self) -> None:
        """Close the HTTP client (the llama.cpp server ends with the process)."""
        await self._client.aclose()


def _callable(request: LlmRequest) -> Sequence[ToolSpec]:
    """The tools the model may call now: none right after a tool result.

    A small model handed a result tends to call the same tool again; with the call branch
    of its grammar gone it must say the result instead (one tool round per answer).
    """
    if request.messages and request.messages[-1].role == "tool":
        return ()
    return request.tools


def _flatten(messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> list[ChatMessage]:
    """Messages a plain chat template understands: tool traffic as ordinary turns."""
    flat: list[ChatMessage] = []
    names: dict[str, str] = {}
    for message in messages:
        if message.role == "assistant" and message.tool_calls:
            for call in message.tool_calls:
                names[call.id] = call.name
            calls = [
                {"name": call.name, "arguments": call.arguments} for call in message.tool_calls
            ]
            text = message.content + " " if message.content else ""
            flat.append(ChatMessage("assistant", text + " ".join(json.dumps(c) for c in calls)))
        elif message.role == "tool":
            name = names.get(message.tool_call_id or "", "the tool")
            flat.append(
                ChatMessage(
                    "user",
                    f"[{name} returned: {message.content}] Tell me that in one short sentence.",
                )
            )
        else:
            flat.append(ChatMessage(message.role, message.content))
    if tools:
        instructions = _tool_instructions(tools)
        if flat and flat[0].role == "system":
            flat[0] = ChatMessage("system", f"{flat[0].content}\n\n{instructions}")
        else:
            flat.insert(0, ChatMessage("system", instructions))
    return flat


def _tool_instructions(tools: Sequence[ToolSpec]) -> str:
    lines = ["Tools you may call:"]
    for tool in tools:
        properties = tool.parameters.get("properties") or {}
        arguments = {name: spec.get("type", "any") for name, spec in properties.items()}
        lines.append(f"- {tool.name}: {tool.description} Arguments: {json.dumps(arguments)}")
    lines.append(
        "Call a tool only when the user's last message clearly asks for what that tool does. "
        'To call it, reply with only {"name": "<tool>", "arguments": {...}}. '
        "For anything else, answer in plain words yourself."
    )
    return "\n".join(lines)


def _grammar(tools: Sequence[ToolSpec]) -> dict[str, Any]:
    """A llguidance grammar: one tool call as schema-checked JSON, or free text."""
    if not tools:
        return {}
    schema = {
        "anyOf": [
            {
                "type": "object",
                "properties": {
                    "name": {"const": tool.name},
                    "arguments": tool.parameters or {"type": "object"},
                },
                "required": ["name", "arguments"],
            }
            for tool in tools
        ]
    }
    grammar = (
        "%llguidance {}\n"
        "start: call | text\n"
        f"call: %json {json.dumps(schema)}\n"
        "text: /[^{\\s][\\s\\S]*/\n"
    )
    return {"grammar": grammar}
