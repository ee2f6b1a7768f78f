"""Refuse request bodies larger than the configured limit with 413, before parsing them."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openconvai.services.errors import ServiceError


class BodyTooLarge(ServiceError):
    """The request body is over the server's limit."""

    status_code = 413


class BodySizeLimitMiddleware:
    """Counts body bytes as they arrive, so a lying or absent Content-Length cannot get past."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _send_too_large(send, limit)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge("request_too_large", _message(limit))
            return message

        await self.app(scope, limited_receive, send)


def _message(limit: int) -> str:
    return f"Request body is larger than the limit of {limit} bytes."


async def _send_too_large(send: Send, limit: int) -> None:
    body = (
        b'{"detail":{"status":"request_too_large","message":"' + _message(limit).encode() + b'"}}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
