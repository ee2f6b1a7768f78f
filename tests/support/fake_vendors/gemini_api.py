"""The Gemini API, streaming only: `POST /v1beta/models/{model}:streamGenerateContent
?alt=sse` answers `GenerateContentResponse` objects as server-sent events
(https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent).

The key comes in `x-goog-api-key` (or the `key` query parameter); errors are
`{"error": {"code", "message", "status"}}`. The SDK's base URL is the server root.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.fake_vendors import CallTool, Fail, FakeVendor, Stall, Text

_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def app(vendor: FakeVendor) -> Starlette:
    """The fake API, answering from `vendor`'s script."""

    async def model_method(request: Request) -> Response:
        target = request.path_params["target"]
        model, _, method = target.partition(":")
        if method != "streamGenerateContent":
            return _error(404, f"Method {method!r} is not served by this fake.")
        received, reply = await vendor.receive(request)
        key = received.headers.get("x-goog-api-key") or received.query.get("key")
        if vendor.api_key is not None and key != vendor.api_key:
            return _error(401, "API key not valid. Please pass a valid API key.")
        if received.query.get("alt") != "sse":
            return _error(400, "This fake streams server-sent events only (alt=sse).")
        if not received.body.get("contents"):
            return _error(400, "* GenerateContentRequest.contents: contents is not specified")
        if isinstance(reply, Stall):
            await vendor.hold(request)
            return Response(status_code=204)
        if isinstance(reply, Fail):
            return _error(reply.status, reply.message)
        events = _events(reply, model)
        return StreamingResponse(vendor.watch(events), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1beta/models/{target}", model_method, methods=["POST"])])


async def _events(reply: Text | CallTool, model: str) -> AsyncIterator[str]:
    def event(parts: list[dict[str, Any]], last: bool) -> str:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        usage: dict[str, Any] = {
            "promptTokenCount": reply.input_tokens,
            "totalTokenCount": reply.input_tokens,
        }
        if last:
            candidate["finishReason"] = "STOP"
            usage["candidatesTokenCount"] = reply.output_tokens
            usage["totalTokenCount"] = reply.input_tokens + reply.output_tokens
        data = {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": model,
            "responseId": "fake-response-0001",
        }
        return f"data: {json.dumps(data)}\r\n\r\n"

    if isinstance(reply, Text):
        for index, text in enumerate(reply.chunks):
            if reply.hold_after is not None and index == reply.hold_after:
                await asyncio.sleep(3600)
            yield event([{"text": text}], last=index == len(reply.chunks) - 1)
        return
    try:
        args = json.loads(reply.arguments)
    except ValueError:
        args = {}
    call: dict[str, Any] = {"name": reply.name, "args": args}
    if reply.id:
        call["id"] = reply.id
    part: dict[str, Any] = {"functionCall": call}
    if reply.signature is not None:
        part["thoughtSignature"] = reply.signature
    yield event([part], last=True)


def _error(status: int, message: str) -> JSONResponse:
    body = {"error": {"code": status, "message": message, "status": _STATUSES.get(status, "")}}
    return JSONResponse(body, status_code=status)
