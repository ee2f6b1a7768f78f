"""A local stand-in for OpenAI's audio endpoints.

- `POST /v1/audio/speech`: JSON body (`model`, `input`, `voice`, `response_format`,
  `speed`); with `response_format=pcm` the answer is a chunked body of raw 24 kHz 16-bit
  mono PCM (here a tone).
- `POST /v1/audio/transcriptions`: a multipart form (`file`, `model`, `language`,
  `prompt`, `response_format`, ...); the answer is `{"text": ...}`.

Both take the key as `Authorization: Bearer ...`; errors carry OpenAI's body shape,
`{"error": {"message", "type", "param", "code"}}`.
"""

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

SPEECH_SAMPLE_RATE = 24000
_SPEECH_MODELS = {"tts-1", "tts-1-hd", "gpt-4o-mini-tts"}
_TRANSCRIBE_MODELS = {"whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-transcribe"}


@dataclass(frozen=True)
class SpeechRequest:
    """One speech request as the fake saw it (header names in lower case)."""

    headers: dict[str, str]
    body: dict[str, Any]


@dataclass(frozen=True)
class TranscriptionRequest:
    """One transcription upload: the form fields and the file."""

    headers: dict[str, str]
    fields: dict[str, list[str]]
    filename: str
    content_type: str
    file: bytes


class FakeOpenAiAudio:
    """The fake's settings and record; `app` is the ASGI app to serve.

    `fail_status` makes every request fail with that status; `break_after_bytes` cuts a
    speech body off there (the server drops the connection); `transcription_delay` holds
    each transcription that long before answering (a slow upload to cancel).
    """

    def __init__(
        self,
        api_key: str = "sk-test-key",
        audio_ms: int = 500,
        chunk_bytes: int = 1201,
        chunk_pause: float = 0.002,
        transcript: str = "I would like to book a table.",
    ) -> None:
        self.api_key = api_key
        self.audio_ms = audio_ms
        self.chunk_bytes = chunk_bytes
        self.chunk_pause = chunk_pause
        self.transcript = transcript
        self.fail_status: int | None = None
        self.break_after_bytes: int | None = None
        self.transcription_delay = 0.0
        self.speech_requests: list[SpeechRequest] = []
        self.transcriptions: list[TranscriptionRequest] = []
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/v1/audio/speech", self._speech, methods=["POST"]),
                Route("/v1/audio/transcriptions", self._transcribe, methods=["POST"]),
            ]
        )

    async def _speech(self, request: Request) -> Response:
        headers = _headers(request)
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.")
        with self._lock:
            self.speech_requests.append(SpeechRequest(headers, body))
        if (failure := self._refuse(headers)) is not None:
            return failure
        for field in ("model", "input", "voice"):
            if not body.get(field):
                return _error(400, f"Missing required parameter: '{field}'.", param=field)
        if body["model"] not in _SPEECH_MODELS:
            return _error(404, f"The model `{body['model']}` does not exist.", param="model")
        speed = body.get("speed", 1.0)
        if not 0.25 <= speed <= 4.0:
            return _error(400, f"{speed} is not a valid speed (0.25 to 4.0).", param="speed")
        if body.get("response_format", "mp3") != "pcm":
            return _error(400, "The fake serves response_format=pcm only.")
        times = np.arange(SPEECH_SAMPLE_RATE * self.audio_ms // 1000) / SPEECH_SAMPLE_RATE
        audio = (np.sin(2 * np.pi * 330.0 * times) * 8000).astype("<i2").tobytes()
        return StreamingResponse(self._chunks(audio), media_type="audio/pcm")

    async def _chunks(self, audio: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(audio), self.chunk_bytes):
            if self.break_after_bytes is not None and start >= self.break_after_bytes:
                raise ConnectionAbortedError("the fake drops the connection mid-body")
            yield audio[start : start + self.chunk_bytes]
            await asyncio.sleep(self.chunk_pause)

    async def _transcribe(self, request: Request) -> Response:
        headers = _headers(request)
        if (failure := self._refuse(headers)) is not None:
            return failure
        fields: dict[str, list[str]] = {}
        upload: UploadFile | None = None
        file = b""
        async with request.form() as form:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if name == "file":
                        upload = value
                        file = await value.read()
                else:
                    fields.setdefault(name, []).append(value)
            if upload is None:
                return _error(400, "Missing required parameter: 'file'.", param="file")
            recorded = TranscriptionRequest(
                headers=headers,
                fields=fields,
                filename=upload.filename or "",
                content_type=upload.content_type or "",
                file=file,
            )
        with self._lock:
            self.transcriptions.append(recorded)
        model = fields.get("model", [""])[0]
        if model not in _TRANSCRIBE_MODELS:
            return _error(400, f"Invalid model {model!r}.", param="model")
        if self.transcription_delay:
            await asyncio.sleep(self.transcription_delay)
        return JSONResponse({"text": self.transcript})

    def _refuse(self, headers: dict[str, str]) -> JSONResponse | None:
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.", code="invalid_api_key")
        if self.fail_status is not None:
            return _error(self.fail_status, "The fake was told to fail.", kind="server_error")
        return None


def _headers(request: Request) -> dict[str, str]:
    return {name.lower(): value for name, value in request.headers.items()}


def _error(
    status: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    kind: str = "invalid_request_error",
) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)
