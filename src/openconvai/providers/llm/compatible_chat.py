"""OpenAI-compatible chat completions over plain httpx: an agent's `custom_llm` server and
the embedded llama.cpp server.

Why not the `openai` SDK here: measured at 50 conversations with tools (bench/tools.py),
the SDK's request preparation (`async_maybe_transform` walks the whole message history on
every request) took half of the server's CPU and grew with each turn. The dialect these
servers speak is small: one POST, server-sent events back. OpenAI itself is still reached
through the SDK (`openai_chat.py`).
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from openconvai.providers.access import Access
from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.base import (
    LlmEvent,
    LlmRequest,
    Usage,
)
from openconvai.providers.llm.chat_format import ToolCallPieces, chat_messages, chat_tool

logger = logging.getLogger(__name__)

_ERROR_BODY_BYTES = 2000


class CompatibleChatLlm:
    """Streams chat completions from an OpenAI-compatible server."""

    def __init__(
        self, access: Access, *, timeout_secs: float, error_type: str = "custom_llm_error"
    ) -> None:
        self._error_type = error_type
        self._timeout = timeout_secs
        self._label = label(access)
        headers = dict(access.headers)
        if access.api_key:
            headers["Authorization"] = f"Bearer {access.api_key}"
        headers["Content-Type"] = "application/json"
        self._url = (access.base_url or "").rstrip("/") + "/chat/completions"
        self._client = httpx.AsyncClient(headers=headers, timeout=timeout_secs, trust_env=False)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The reply as it streams; closing the iterator closes the HTTP stream."""
        outgoing = self._client.build_request("POST", self._url, content=_body(request))
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.send(outgoing, stream=True)
                if response.status_code >= 400:
                    detail = await _error_detail(response)
                    raise ProviderError(
                        self._error_type,
                        f"{self._label} answered HTTP {response.status_code}: {detail}",
                    )
        except (httpx.HTTPError, TimeoutError) as error:
            raise self._failure(error) from error
        lines = response.aiter_lines()
        calls = ToolCallPieces()
        usage: Usage | None = None
        try:
            while True:
                try:
                    async with asyncio.timeout(self._timeout):
                        line = await anext(lines, None)
                except (httpx.HTTPError, TimeoutError) as error:
                    raise self._failure(error) from error
                if line is None:
                    break
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                chunk = _chunk(data)
                if chunk is None:
                    continue
                counted = chunk.get("usage")
                if isinstance(counted, dict):
                    usage = Usage(
                        request.model,
                        int(counted.get("prompt_tokens") or 0),
                        int(counted.get("completion_tokens") or 0),
                    )
                for choice in chunk.get("choices") or ():
                    for event in calls.take(choice):
                        yield event
            for call in calls.flush():
                yield call
            if usage is not None:
                yield usage
        finally:
            await response.aclose()

    def _failure(self, error: Exception) -> ProviderError:
        if isinstance(error, TimeoutError | httpx.TimeoutException):
            message = f"{self._label} sent nothing for {self._timeout:g} s"
        elif isinstance(error, httpx.TransportError):
            message = f"{self._label} could not be reached: {error}"
        else:
            message = f"{self._label} failed: {error}"
        return ProviderError(self._error_type, message)


def _body(request: LlmRequest) -> bytes:
    body: dict[str, Any] = {
        "model": request.model,
        "messages": chat_messages(request.messages),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.tools:
        body["tools"] = [chat_tool(spec) for spec in request.tools]
    body.update(request.extra_body)
    return json.dumps(body, separators=(",", ":")).encode()


def _chunk(data: str) -> dict[str, Any] | None:
    try:
        chunk = json.loads(data)
    except ValueError:
        logger.warning("compatible LLM sent an event that is not JSON: %.200s", data)
        return None
    return chunk if isinstance(chunk, dict) else None


async def _error_detail(response: httpx.Response) -> str:
    raw = b""
    async for piece in response.aiter_bytes():
        raw += piece
        if len(raw) >= _ERROR_BODY_BYTES:
            break
    await response.aclose()
    text = raw[:_ERROR_BODY_BYTES].decode(errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip() or response.reason_phrase
    inner = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(inner, dict) and isinstance(inner.get("message"), str):
        return str(inner["message"])
    if isinstance(inner, str):
        return inner
    return text.strip()


def label(access: Access) -> str:
    """How errors name the server: its host and port only (a URL may carry credentials)."""
    parts = urlsplit(access.base_url or "")
    where = parts.hostname or "?"
    return f"custom LLM at {where}:{parts.port}" if parts.port else f"custom LLM at {where}"
