"""Anthropic's Messages API, streaming only: `POST /v1/messages` with `stream: true`
answers the events message_start, content_block_start, content_block_delta,
content_block_stop, message_delta and message_stop, with a `ping` among them
(https://docs.anthropic.com/en/api/messages-streaming).

Requests carry the key (`x-api-key`, or `Authorization: Bearer`, which SDK 2 sends) and
`anthropic-version`; errors are `{"type": "error",
"error": {"type", "message"}}`. The SDK's base URL is the server root.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.fake_vendors import CallTool, Fail, FakeVendor, Stall, Text, pieces

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def app(vendor: FakeVendor) -> Starlette:
    """The fake API, answering from `vendor`'s script."""

    async def messages(request: Request) -> Response:
        received, reply = await vendor.receive(request)
        bearer = received.headers.get("authorization", "").removeprefix("Bearer ")
        key = received.headers.get("x-api-key") or bearer
        if vendor.api_key is not None and key != vendor.api_key:
            return _error(401, "invalid x-api-key")
        if "anthropic-version" not in received.headers:
            return _error(400, "anthropic-version: header is required")
        body = received.body
        for name in ("model", "messages", "max_tokens"):
            if name not in body:
                return _error(400, f"{name}: Field required")
        if body.get("stream") is not True:
            return _error(400, "This fake answers streaming requests only.")
        if isinstance(reply, Stall):
            await vendor.hold(request)
            return Response(status_code=204)
        if isinstance(reply, Fail):
            return _error(reply.status, reply.message)
        events = _events(reply, str(body["model"]))
        return StreamingResponse(vendor.watch(events), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/messages", messages, methods=["POST"])])


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n"


async def _events(reply: Text | CallTool, model: str) -> AsyncIterator[str]:
    message: dict[str, Any] = {
        "id": "msg_fake0001",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": model,
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": 1},
    }
    yield _event("message_start", {"message": message})
    if isinstance(reply, Text):
        yield _event(
            "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
        )
        yield _event("ping", {})
        for index, text in enumerate(reply.chunks):
            if reply.hold_after is not None and index == reply.hold_after:
                await asyncio.sleep(3600)
            delta = {"type": "text_delta", "text": text}
            yield _event("content_block_delta", {"index": 0, "delta": delta})
        stop_reason = "end_turn"
    else:
        block = {"type": "tool_use", "id": reply.id, "name": reply.name, "input": {}}
        yield _event("content_block_start", {"index": 0, "content_block": block})
        for piece in pieces(reply.arguments):
            delta = {"type": "input_json_delta", "partial_json": piece}
            yield _event("content_block_delta", {"index": 0, "delta": delta})
        stop_reason = "tool_use"
    yield _event("content_block_stop", {"index": 0})
    yield _event(
        "message_delta",
        {
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": reply.output_tokens},
        },
    )
    yield _event("message_stop", {})


def _error(status: int, message: str) -> JSONResponse:
    kind = _ERROR_TYPES.get(status, "api_error")
    return JSONResponse(
        {"type": "error", "error": {"type": kind, "message": message}}, status_code=status
    )
