"""Gemini models through the Gemini API and the official `google-genai` SDK."""

import asyncio
import json
import re
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import httpx2
from google import genai
from google.genai import errors, types

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

# The Gemini API's version that documents system instructions, tools and SSE streaming.
API_VERSION = "v1beta"

# A turn before the agent's own when it speaks first: the API wants "user" to open.
OPENING_TURN = "(The conversation starts.)"

# Ids this module made up for calls the API gave none; they are not sent back.
_LOCAL_ID = "gemini-call-"

# Gemini 3 rejects a replayed function call without the thought signature it came with
# (HTTP 400). Signatures are kept per call id; a call whose signature is unknown here (a
# restart, a history built elsewhere) gets the sentinel Google documents for that case.
_SIGNATURES_KEPT = 4096
_UNKNOWN_SIGNATURE = b"skip_thought_signature_validator"
_GENERATION = re.compile(r"^gemini-(\d+)")

_KNOWN_ERRORS = (
    errors.APIError,
    errors.UnknownApiResponseError,
    httpx.HTTPError,
    httpx2.HTTPError,
    TimeoutError,
)

_Item = types.GenerateContentResponse | Exception | None


class GeminiLlm:
    """Streams Gemini's replies from `models/{model}:streamGenerateContent`."""

    def __init__(self, access: Access, *, timeout_secs: float):
        self._timeout = timeout_secs
        self._client = genai.Client(
            vertexai=False,
            api_key=access.api_key,
            http_options=types.HttpOptions(
                base_url=access.base_url,
                api_version=API_VERSION,
                headers=dict(access.headers) or None,
                # No `timeout`: the SDK would also send it as the server's deadline for
                # the whole reply, while the limit here is on silence between chunks.
                # No `retry_options` either: the SDK then never retries, and a retry
                # after a failed turn costs more than the turn is worth.
            ),
        )
        self._signatures: OrderedDict[str, bytes | None] = OrderedDict()

    async def aclose(self) -> None:
        """Close the HTTP connection pools (the SDK keeps a sync and an async one)."""
        await self._client.aio.aclose()
        self._client.close()

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The reply as it streams; closing the iterator closes the HTTP stream."""
        system, contents = self._contents(request)
        config = types.GenerateContentConfig(
            system_instruction=system or None,
            temperature=request.temperature,
            max_output_tokens=request.max_tokens,
            tools=[_tools(request.tools)] if request.tools else None,
            # Tools run in the conversation core, never inside the SDK.
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            http_options=(
                types.HttpOptions(extra_body=dict(request.extra_body))
                if request.extra_body
                else None
            ),
        )
        # The SDK streams through a chain of async generators, and closing the outer one
        # leaves the inner ones, and the HTTP response, open until garbage collection. A
        # task that reads the stream can be cancelled instead: that unwinds the whole
        # chain at once, closing the response.
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        reader = asyncio.create_task(self._read(request.model, contents, config, queue))
        usage: types.GenerateContentResponseUsageMetadata | None = None
        try:
            while True:
                try:
                    async with asyncio.timeout(self._timeout):
                        chunk = await queue.get()
                except TimeoutError as error:
                    raise self._failure(error) from error
                if chunk is None:
                    break
                if isinstance(chunk, _KNOWN_ERRORS):
                    raise self._failure(chunk) from chunk
                if isinstance(chunk, Exception):
                    raise chunk
                usage = chunk.usage_metadata or usage
                candidate = chunk.candidates[0] if chunk.candidates else None
                if candidate is None or candidate.content is None:
                    continue
                for part in candidate.content.parts or ():
                    if part.function_call is not None and part.function_call.name:
                        yield self._call(part.function_call, part.thought_signature)
                    elif part.text and not part.thought:
                        yield TextDelta(part.text)
            if usage is not None:
                yield Usage(
                    request.model,
                    usage.prompt_token_count or 0,
                    (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0),
                )
        finally:
            reader.cancel()
            # `wait`, unlike awaiting the task, lets this task's own cancellation through.
            await asyncio.wait([reader])

    async def _read(
        self,
        model: str,
        contents: list[types.Content],
        config: types.GenerateContentConfig,
        queue: asyncio.Queue[_Item],
    ) -> None:
        """Put the stream's chunks in `queue`, then None (or the error that ended it)."""
        try:
            chunks = await self._client.aio.models.generate_content_stream(
                model=model, contents=contents, config=config
            )
            # Never blocked on the queue: the task is always inside the SDK's read when
            # cancelled, so the cancellation passes through every generator of the chain.
            async for chunk in chunks:
                queue.put_nowait(chunk)
        except Exception as error:
            queue.put_nowait(error)
        else:
            queue.put_nowait(None)

    def _call(self, call: types.FunctionCall, signature: bytes | None) -> ToolCall:
        call_id = call.id or f"{_LOCAL_ID}{uuid.uuid4().hex[:16]}"
        self._signatures[call_id] = signature
        while len(self._signatures) > _SIGNATURES_KEPT:
            self._signatures.popitem(last=False)
        return ToolCall(call_id, call.name or "", dict(call.args or {}))

    def _contents(self, request: LlmRequest) -> tuple[str, list[types.Content]]:
        """The system instruction and the turns in the API's shape.

        Leading system messages become the system instruction; a later one can only be
        a user turn. Consecutive turns of one role are merged, and function responses
        go first in theirs, right after the model's calls.
        """
        found = _GENERATION.match(request.model)
        needs_signature = found is not None and int(found.group(1)) >= 3
        names = {call.id: call.name for message in request.messages for call in message.tool_calls}
        system: list[str] = []
        turns: list[tuple[str, list[types.Part]]] = []
        leading = True
        for message in request.messages:
            leading = leading and message.role == "system"
            if leading:
                if message.content:
                    system.append(message.content)
                continue
            role = "model" if message.role == "assistant" else "user"
            parts = self._parts(message, names, needs_signature)
            if not parts:
                continue
            if turns and turns[-1][0] == role:
                turns[-1][1].extend(parts)
            else:
                turns.append((role, parts))
        if turns and turns[0][0] == "model":
            turns.insert(0, ("user", [types.Part(text=OPENING_TURN)]))
        contents = []
        for role, parts in turns:
            parts.sort(key=lambda part: part.function_response is None)
            contents.append(types.Content(role=role, parts=parts))
        return "\n\n".join(system), contents

    def _parts(
        self, message: ChatMessage, names: dict[str, str], needs_signature: bool
    ) -> list[types.Part]:
        parts: list[types.Part] = []
        if message.role == "tool":
            call_id = message.tool_call_id or ""
            parts.append(
                types.Part(
                    function_response=types.FunctionResponse(
                        id=_vendor_id(call_id),
                        name=names.get(call_id, ""),
                        response=_response(message.content),
                    )
                )
            )
            return parts
        if message.content:
            parts.append(types.Part(text=message.content))
        for call in message.tool_calls:
            if call.id in self._signatures:
                signature = self._signatures[call.id]
            else:
                signature = _UNKNOWN_SIGNATURE if needs_signature else None
            parts.append(
                types.Part(
                    function_call=types.FunctionCall(
                        id=_vendor_id(call.id), name=call.name, args=call.arguments
                    ),
                    thought_signature=signature,
                )
            )
        return parts

    def _failure(self, error: Exception) -> ProviderError:
        if isinstance(error, TimeoutError | httpx.TimeoutException | httpx2.TimeoutException):
            message = f"Gemini sent nothing for {self._timeout:g} s"
        elif isinstance(error, errors.APIError):
            status = f" {error.status}" if error.status else ""
            message = f"Gemini answered HTTP {error.code}{status}: {error.message}"
        elif isinstance(error, httpx.TransportError | httpx2.TransportError):
            message = f"Gemini could not be reached: {error}"
        else:
            message = f"Gemini failed: {error}"
        return ProviderError("llm_error", message)


def _tools(specs: Sequence[ToolSpec]) -> types.Tool:
    return types.Tool(
        function_declarations=[
            types.FunctionDeclaration(
                name=spec.name,
                description=spec.description,
                parameters_json_schema=spec.parameters,
            )
            for spec in specs
        ]
    )


def _response(content: str) -> dict[str, Any]:
    """A tool result as the JSON object the API wants: the object itself when the tool
    returned one, else under "output" (the key the API reads as the function's output)."""
    try:
        value = json.loads(content)
    except ValueError:
        return {"output": content}
    return value if isinstance(value, dict) else {"output": value}


def _vendor_id(call_id: str) -> str | None:
    return None if not call_id or call_id.startswith(_LOCAL_ID) else call_id
