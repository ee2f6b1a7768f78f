"""OpenAI Chat Completions over the official `openai` SDK: OpenAI's GPT models.

OpenAI-compatible servers (an agent's `custom_llm`, the embedded llama.cpp) are reached with
the leaner `compatible_chat.CompatibleChatLlm`."""

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from typing import cast

import httpx2
from openai import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncOpenAI,
    AsyncStream,
    Omit,
    OpenAIError,
    omit,
)
from openai.types.chat import (
    ChatCompletionChunk,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageParam,
)

from openconvai.providers.access import Access
from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.base import (
    LlmEvent,
    LlmRequest,
    TextDelta,
    Usage,
)
from openconvai.providers.llm.chat_format import ToolCallPieces, chat_messages, chat_tool

logger = logging.getLogger(__name__)

# The SDK refuses to build a client without a key, and reads OPENAI_API_KEY when given
# None: a keyless custom server gets this stand-in, and no Authorization header at all.
_NO_KEY = "no-key"

# GPT-5 onwards and the o-series are reasoning models: they reject any temperature but
# the default (HTTP 400), while the API's agents default to 0. They are left at theirs.
_REASONING_MODEL = re.compile(r"^(gpt-([5-9]|\d\d)|o\d)")


class OpenAiChatLlm:
    """Streams chat completions from OpenAI."""

    def __init__(self, access: Access, *, timeout_secs: float):
        self._timeout = timeout_secs
        self._client = AsyncOpenAI(
            api_key=access.api_key or _NO_KEY,
            base_url=access.base_url,
            default_headers=dict(access.headers),
            timeout=timeout_secs,
            # A retry after a failed turn costs more than the turn is worth: the caller
            # reports the error and the conversation goes on.
            max_retries=0,
        )
        # A proxy reached without a key gets no made-up Authorization header.
        self._extra_headers: dict[str, str | Omit] = (
            {} if access.api_key else {"Authorization": omit}
        )

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The reply as it streams; closing the iterator closes the HTTP stream."""
        try:
            async with asyncio.timeout(self._timeout):
                chunks = await self._open(request)
        except (OpenAIError, httpx2.HTTPError, TimeoutError) as error:
            raise self._failure(error) from error
        calls = ToolCallPieces()
        usage: Usage | None = None
        try:
            while True:
                try:
                    async with asyncio.timeout(self._timeout):
                        chunk = await anext(chunks, None)
                except (OpenAIError, httpx2.HTTPError, TimeoutError) as error:
                    raise self._failure(error) from error
                if chunk is None:
                    break
                if chunk.usage is not None:
                    usage = Usage(
                        request.model,
                        chunk.usage.prompt_tokens or 0,
                        chunk.usage.completion_tokens or 0,
                    )
                # Compatible servers leave out fields OpenAI always sends; the SDK then
                # sets them to None, whatever their declared type.
                for choice in chunk.choices or ():
                    if choice.index:
                        continue
                    if choice.delta is not None:
                        if choice.delta.content:
                            yield TextDelta(choice.delta.content)
                        for piece in choice.delta.tool_calls or ():
                            calls.add(piece.model_dump())
                    if choice.finish_reason is not None:
                        for call in calls.flush():
                            yield call
            for call in calls.flush():
                yield call
            if usage is not None:
                yield usage
        finally:
            await chunks.close()

    async def _open(self, request: LlmRequest) -> AsyncStream[ChatCompletionChunk]:
        temperature: float | Omit = omit
        if request.temperature is not None and not _REASONING_MODEL.match(request.model):
            temperature = request.temperature
        limit: int | Omit = omit if request.max_tokens is None else request.max_tokens
        return await self._client.chat.completions.create(
            model=request.model,
            messages=cast(list[ChatCompletionMessageParam], chat_messages(request.messages)),
            stream=True,
            stream_options={"include_usage": True},
            temperature=temperature,
            max_completion_tokens=limit,
            tools=(
                cast(list[ChatCompletionFunctionToolParam], [chat_tool(t) for t in request.tools])
                if request.tools
                else omit
            ),
            extra_body=dict(request.extra_body) or None,
            extra_headers=self._extra_headers or None,
        )

    def _failure(self, error: Exception) -> ProviderError:
        if isinstance(error, TimeoutError | APITimeoutError | httpx2.TimeoutException):
            message = f"OpenAI sent nothing for {self._timeout:g} s"
        elif isinstance(error, APIStatusError):
            detail = _detail(error.body) or error.message
            message = f"OpenAI answered HTTP {error.status_code}: {detail}"
        elif isinstance(error, APIConnectionError | httpx2.TransportError):
            message = f"OpenAI could not be reached: {error.__cause__ or error}"
        else:
            message = f"OpenAI failed: {error}"
        return ProviderError("llm_error", message)


def _detail(body: object) -> str | None:
    """The human message inside an OpenAI-style error body, if it has one."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return None
