"""A local stand-in for Deepgram's live transcription WebSocket, `/v1/listen`.

The client sets everything in the query (`model`, `encoding`, `sample_rate`, `channels`,
`interim_results`, `language`, `keyterm`, ...) and authenticates with an
`Authorization: Token ...` header; a refused handshake is an HTTP error with Deepgram's
`{"err_code", "err_msg", "request_id"}` body. Audio goes up as binary messages; the
control messages `Finalize`, `KeepAlive` and `CloseStream` as JSON text. `Results`
messages come down with `channel.alternatives[0].transcript`, `start`, `duration`,
`is_final`, `speech_final` and `from_finalize`; `CloseStream` ends with a `Metadata`
message and a normal close.

It "recognizes" from a script: utterance N of a connection is `script[N]`, revealed a word
per `word_bytes` of audio in interim results, and given in full (the words not yet final)
in the final result a `Finalize` brings. With `final_bytes`, it also finalizes on its own
(as Deepgram's endpointing does) whenever that much audio has arrived since the last final.
"""

import contextlib
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

_MODEL_INFO = {"name": "general-nova-3", "version": "2025-01-01.0", "arch": "nova-3"}


@dataclass
class ListenConnection:
    """What the fake saw on one connection (header names in lower case)."""

    query: dict[str, list[str]]
    headers: dict[str, str]
    audio_bytes: int = 0
    controls: list[str] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    closed_normally: bool = False


class _Recognizer:
    """The scripted recognition state of one connection."""

    def __init__(self, script: tuple[str, ...], bytes_per_second: int) -> None:
        self.script = script
        self.bytes_per_second = bytes_per_second
        self.utterance = 0
        self.cursor = 0
        self.segment_start = 0
        self.finalized_words = 0

    def words(self) -> list[str]:
        if self.utterance < len(self.script):
            return self.script[self.utterance].split()
        return []

    def revealed(self, word_bytes: int) -> list[str]:
        heard = (self.cursor - self.segment_start) // word_bytes
        words = self.words()
        end = min(len(words), self.finalized_words + max(heard, 1))
        return words[self.finalized_words : end]

    def span(self) -> tuple[float, float]:
        start = self.segment_start / self.bytes_per_second
        return start, (self.cursor - self.segment_start) / self.bytes_per_second


class FakeDeepgram:
    """The fake's script, settings and record; `app` is the ASGI app to serve.

    `reject_status` refuses every handshake with that HTTP status; `drop_after_bytes`
    closes a connection with Deepgram's 1011 once it has heard that much audio.
    """

    def __init__(
        self,
        script: tuple[str, ...] = ("hello world",),
        api_key: str = "dg-test-key",
        word_bytes: int = 6400,
        final_bytes: int | None = None,
    ) -> None:
        self.script = script
        self.api_key = api_key
        self.word_bytes = word_bytes
        self.final_bytes = final_bytes
        self.reject_status: int | None = None
        self.drop_after_bytes: int | None = None
        self.connections: list[ListenConnection] = []
        self._lock = threading.Lock()
        self.app = Starlette(routes=[WebSocketRoute("/v1/listen", self._listen)])

    async def _listen(self, websocket: WebSocket) -> None:
        headers = {name.lower(): value for name, value in websocket.headers.items()}
        query = parse_qs(websocket.url.query)
        request_id = str(uuid.uuid4())
        if headers.get("authorization") != f"Token {self.api_key}":
            await _deny(websocket, 401, "INVALID_AUTH", "Invalid credentials.", request_id)
            return
        if self.reject_status is not None:
            await _deny(
                websocket, self.reject_status, "FAKE", "The fake was told to fail.", request_id
            )
            return
        if query.get("encoding") != ["linear16"] or "sample_rate" not in query:
            await _deny(
                websocket,
                400,
                "Bad Request",
                "Raw audio needs encoding and sample_rate.",
                request_id,
            )
            return
        connection = ListenConnection(query=query, headers=headers)
        with self._lock:
            self.connections.append(connection)
        rate = int(query["sample_rate"][0]) * 2 * int(query.get("channels", ["1"])[0])
        recognizer = _Recognizer(self.script, rate)
        await websocket.accept()
        session = _Session(self, websocket, connection, recognizer, request_id)
        with contextlib.suppress(WebSocketDisconnect):
            await session.run()


class _Session:
    def __init__(
        self,
        fake: FakeDeepgram,
        websocket: WebSocket,
        connection: ListenConnection,
        recognizer: _Recognizer,
        request_id: str,
    ) -> None:
        self.fake = fake
        self.websocket = websocket
        self.connection = connection
        self.recognizer = recognizer
        self.request_id = request_id
        self.interim = query_flag(connection.query, "interim_results")

    async def run(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                closed = await self.audio(message["bytes"])
            elif message.get("text") is not None:
                closed = await self.control(message["text"])
            else:
                closed = False
            if closed:
                return

    async def audio(self, data: bytes) -> bool:
        """Hear audio; True once the connection is closed."""
        rec = self.recognizer
        self.connection.audio_bytes += len(data)
        before = (rec.cursor - rec.segment_start) // self.fake.word_bytes
        rec.cursor += len(data)
        drop = self.fake.drop_after_bytes
        if drop is not None and self.connection.audio_bytes >= drop:
            await self.websocket.close(code=1011, reason="NET-0000")
            return True
        final_bytes = self.fake.final_bytes
        if final_bytes is not None and rec.cursor - rec.segment_start >= final_bytes:
            words = rec.revealed(self.fake.word_bytes)
            await self.results(" ".join(words), is_final=True, speech_final=True)
            rec.finalized_words += len(words)
            rec.segment_start = rec.cursor
        elif self.interim and (rec.cursor - rec.segment_start) // self.fake.word_bytes > before:
            await self.results(" ".join(rec.revealed(self.fake.word_bytes)), is_final=False)
        return False

    async def control(self, text: str) -> bool:
        """Obey a control message; True once the connection is closed."""
        try:
            kind = json.loads(text).get("type", "")
        except (ValueError, AttributeError):
            kind = ""
        self.connection.controls.append(kind)
        if kind == "Finalize":
            await self.finalize(from_finalize=True)
        elif kind == "CloseStream":
            await self.finalize(from_finalize=False)
            await self.send(self.metadata())
            self.connection.closed_normally = True
            await self.websocket.close(code=1000)
            return True
        elif kind != "KeepAlive":
            await self.send(
                {
                    "type": "Error",
                    "variant": "SchemaError",
                    "description": "Unknown control message.",
                    "message": text,
                }
            )
        return False

    async def finalize(self, *, from_finalize: bool) -> None:
        rec = self.recognizer
        # Like Deepgram, nothing comes back when no audio is waiting to be finalized.
        if rec.cursor == rec.segment_start:
            return
        rest = rec.words()[rec.finalized_words :]
        await self.results(" ".join(rest), is_final=True, from_finalize=from_finalize)
        rec.utterance += 1
        rec.finalized_words = 0
        rec.segment_start = rec.cursor

    async def results(
        self,
        transcript: str,
        *,
        is_final: bool,
        speech_final: bool = False,
        from_finalize: bool = False,
    ) -> None:
        start, duration = self.recognizer.span()
        words = transcript.split()
        step = duration / max(len(words), 1)
        await self.send(
            {
                "type": "Results",
                "channel_index": [0, 1],
                "duration": duration,
                "start": start,
                "is_final": is_final,
                "speech_final": speech_final,
                "from_finalize": from_finalize,
                "channel": {
                    "alternatives": [
                        {
                            "transcript": transcript,
                            "confidence": 0.97 if words else 0.0,
                            "words": [
                                {
                                    "word": word.strip(".,?!").lower(),
                                    "start": start + index * step,
                                    "end": start + (index + 1) * step,
                                    "confidence": 0.97,
                                    "punctuated_word": word,
                                }
                                for index, word in enumerate(words)
                            ],
                        }
                    ]
                },
                "metadata": {
                    "request_id": self.request_id,
                    "model_info": _MODEL_INFO,
                    "model_uuid": "00000000-0000-0000-0000-000000000003",
                },
            }
        )

    def metadata(self) -> dict[str, Any]:
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self.request_id,
            "sha256": "0" * 64,
            "created": "2025-01-01T00:00:00.000Z",
            "duration": self.recognizer.cursor / self.recognizer.bytes_per_second,
            "channels": 1,
            "models": ["00000000-0000-0000-0000-000000000003"],
            "model_info": {"00000000-0000-0000-0000-000000000003": _MODEL_INFO},
        }

    async def send(self, message: dict[str, Any]) -> None:
        self.connection.sent.append(message)
        await self.websocket.send_json(message)


def query_flag(query: dict[str, list[str]], name: str) -> bool:
    """Whether a boolean query parameter is set to true."""
    return query.get(name, ["false"])[0].lower() == "true"


async def _deny(
    websocket: WebSocket, status: int, code: str, message: str, request_id: str
) -> None:
    body = {"err_code": code, "err_msg": message, "request_id": request_id}
    await websocket.send_denial_response(JSONResponse(body, status_code=status))
