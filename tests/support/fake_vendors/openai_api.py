"""OpenAI's Chat Completions API, streaming only: `POST /v1/chat/completions` with
`stream: true` answers `chat.completion.chunk` objects as server-sent events, then
`data: [DONE]` (https://platform.openai.com/docs/api-reference/chat-streaming).

Authentication is `Authorization: Bearer KEY`; errors are `{"error": {"message", "type",
"param", "code"}}`. The SDK's base URL is `BASE/v1`.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.fake_vendors import (
    CallTool,
    Fail,
    FakeVendor,
    SayToolResult,
    Stall,
    Text,
    pieces,
)

_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 429: "requests"}


def app(vendor: FakeVendor) -> Starlette:
    """The fake API, answering from `vendor`'s script."""

    async def chat_completions(request: Request) -> Response:
        received, reply = await vendor.receive(request)
        key = received.headers.get("authorization", "").removeprefix("Bearer ")
        if vendor.api_key is not None and key != vendor.api_key:
            return _error(401, f"Incorrect API key provided: {key[:3]}***.", "invalid_api_key")
        body = received.body
        if not body.get("model") or not body.get("messages"):
            return _error(400, "'model' and 'messages' are required properties.")
        if body.get("stream") is not True:
            return _error(400, "This fake answers streaming requests only.")
        if isinstance(reply, Stall):
            await vendor.hold(request)
            return Response(status_code=204)
        if isinstance(reply, Fail):
            return _error(reply.status, reply.message)
        if isinstance(reply, SayToolResult):
            reply = Text(chunks=(reply.template.format(result=_last_tool_result(body)),))
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = _events(reply, str(body["model"]), usage)
        return StreamingResponse(vendor.watch(events), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", chat_completions, methods=["POST"])])


async def _events(reply: Text | CallTool, model: str, usage: bool) -> AsyncIterator[str]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        data: dict[str, Any] = {
            "id": "chatcmpl-fake0001",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if usage:
            data["usage"] = None
        return f"data: {json.dumps(data)}\n\n"

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    if isinstance(reply, Text):
        for index, text in enumerate(reply.chunks):
            if reply.hold_after is not None and index == reply.hold_after:
                await asyncio.sleep(3600)
            yield chunk({"content": text})
        yield chunk({}, "stop")
    else:
        yield chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": reply.id,
                        "type": "function",
                        "function": {"name": reply.name, "arguments": ""},
                    }
                ]
            }
        )
        for piece in pieces(reply.arguments):
            yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        yield chunk({}, "tool_calls")
    if usage:
        totals = {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        }
        last = {
            "id": "chatcmpl-fake0001",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [],
            "usage": totals,
        }
        yield f"data: {json.dumps(last)}\n\n"
    yield "data: [DONE]\n\n"


def _error(status: int, message: str, code: str | None = None) -> JSONResponse:
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return JSONResponse(body, status_code=status)


def _last_tool_result(body: dict[str, Any]) -> str:
    """The content of the request's last `tool` message ("" when there is none)."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "tool":
            return str(message.get("content") or "")
    return ""
