"""A local stand-in for ElevenLabs' streaming text-to-speech endpoint.

`POST /v1/text-to-speech/{voice_id}/stream?output_format=pcm_16000` with the key in the
`xi-api-key` header and a JSON body (`text`, `model_id`, `voice_settings`, ...); the answer
is a chunked body of raw 16-bit mono PCM. Errors carry ElevenLabs' body shape,
`{"detail": {"status": ..., "message": ...}}`. The audio is a tone as long as asked.
"""

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

_PCM_FORMATS = {f"pcm_{rate}": rate for rate in (8000, 16000, 22050, 24000, 44100, 48000)}


@dataclass(frozen=True)
class SpeechRequest:
    """One synthesis request as the fake saw it (header names in lower case)."""

    voice_id: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


class FakeElevenLabs:
    """The fake's settings and record; `app` is the ASGI app to serve.

    Odd-sized chunks (`chunk_bytes`) with a pause between them make the client see the
    body arrive piece by piece. `fail_status` makes every request fail with that status;
    `break_after_bytes` cuts the body off there (the server drops the connection).
    """

    def __init__(
        self,
        api_key: str = "xi-test-key",
        audio_ms: int = 600,
        chunk_bytes: int = 1001,
        chunk_pause: float = 0.002,
    ) -> None:
        self.api_key = api_key
        self.audio_ms = audio_ms
        self.chunk_bytes = chunk_bytes
        self.chunk_pause = chunk_pause
        self.fail_status: int | None = None
        self.break_after_bytes: int | None = None
        self.requests: list[SpeechRequest] = []
        self.bytes_sent = 0
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[Route("/v1/text-to-speech/{voice_id}/stream", self._stream, methods=["POST"])]
        )

    async def _stream(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return _detail(400, "invalid_json", "The request body is not valid JSON.")
        recorded = SpeechRequest(
            voice_id=request.path_params["voice_id"],
            query=dict(request.query_params),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=body,
        )
        with self._lock:
            self.requests.append(recorded)
        if recorded.headers.get("xi-api-key") != self.api_key:
            return _detail(401, "invalid_api_key", "Invalid API key")
        if self.fail_status is not None:
            return _detail(self.fail_status, "scripted_failure", "The fake was told to fail.")
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return JSONResponse(
                {"detail": [{"loc": ["body", "text"], "msg": "Field required", "type": "missing"}]},
                status_code=422,
            )
        output_format = recorded.query.get("output_format", "mp3_44100_128")
        rate = _PCM_FORMATS.get(output_format)
        if rate is None:
            return _detail(
                400, "invalid_output_format", f"The fake serves PCM only, not {output_format}."
            )
        audio = tone_pcm(rate, self.audio_ms)
        return StreamingResponse(self._chunks(audio), media_type="application/octet-stream")

    async def _chunks(self, audio: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(audio), self.chunk_bytes):
            if self.break_after_bytes is not None and start >= self.break_after_bytes:
                raise ConnectionAbortedError("the fake drops the connection mid-body")
            chunk = audio[start : start + self.chunk_bytes]
            self.bytes_sent += len(chunk)
            yield chunk
            await asyncio.sleep(self.chunk_pause)


def tone_pcm(rate: int, duration_ms: int, frequency: float = 220.0) -> bytes:
    """A tone as raw 16-bit little-endian mono PCM."""
    times = np.arange(rate * duration_ms // 1000) / rate
    return (np.sin(2 * np.pi * frequency * times) * 8000).astype("<i2").tobytes()


def _detail(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": {"status": code, "message": message}}, status_code=status)
