"""Deepgram live transcription over its WebSocket API (`/v1/listen`).

Written on the `websockets` library against Deepgram's documented protocol rather than on
the official `deepgram-sdk` (checked at 7.17): the SDK's async live client is built on
websockets' deprecated legacy client (`websockets.legacy`, to be removed), and importing it
raises DeprecationWarnings (`websockets.exceptions.InvalidStatusCode`), which this
project's warnings-as-errors policy rejects. The SDK adds nothing the protocol needs: query
parameters on the URL, binary audio up, JSON `Results` down, and three JSON control
messages (`Finalize`, `KeepAlive`, `CloseStream`).

One connection serves a conversation's utterances one after another. Utterances are told
apart on the audio timeline: every `Results` message carries the `start` and `duration`
(in seconds of the audio sent) of what it transcribes.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from openconvai.audio.formats import CORE_SAMPLE_RATE
from openconvai.providers.access import Access
from openconvai.providers.errors import MissingCredentials, ProviderError
from openconvai.providers.stt.base import PartialCallback
from openconvai.providers.vad.base import Frame

DEFAULT_BASE_URL = "wss://api.deepgram.com"
DEFAULT_MODEL = "nova-3"
_BYTES_PER_SECOND = CORE_SAMPLE_RATE * 2
_FINALIZE = json.dumps({"type": "Finalize"})
_KEEP_ALIVE = json.dumps({"type": "KeepAlive"})
_CLOSE_STREAM = json.dumps({"type": "CloseStream"})
# Deepgram closes a connection that hears nothing for 10 s; between utterances no audio
# flows, so the connection is kept open by hand.
DEFAULT_KEEP_ALIVE_SECS = 4.0
_OPEN_TIMEOUT_SECS = 10.0
_CLOSE_TIMEOUT_SECS = 2.0
# websockets logs every handshake header at DEBUG, the API key included, so its logger
# for these connections never goes below INFO.
_WIRE_LOGGER = logging.getLogger(f"{__name__}.wire")
_WIRE_LOGGER.setLevel(logging.INFO)
# A final result ending this close to the end of the audio sent covers the utterance: what
# is left is at most a sliver of trailing silence.
_END_TOLERANCE_SECS = 0.1


class DeepgramSttStream:
    """One conversation's connection to Deepgram, opened on the first frame."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        on_partial: PartialCallback,
        *,
        finalize_timeout: float,
        keep_alive_secs: float,
    ) -> None:
        self._url = url
        self._headers = headers
        self._on_partial = on_partial
        self._finalize_timeout = finalize_timeout
        self._keep_alive_secs = keep_alive_secs
        self._task: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[bytes | str] = asyncio.Queue()
        self._changed = asyncio.Event()
        self._finals: list[str] = []
        self._interim = ""
        self._last_partial = ""
        self._error: str | None = None
        self._closing = False
        self._opened = False
        self._ended = False
        # The audio timeline of the current connection, in seconds of audio queued.
        self._sent_secs = 0.0
        self._final_until = 0.0
        self._discard_until = 0.0
        self._has_utterance = False
        self._unfinalized = False

    def push(self, frame: Frame) -> None:
        """Queue a frame for sending; opens the connection if there is none."""
        if self._closing or self._error is not None:
            # After a failure the utterance is lost; finish() reports it, then we reconnect.
            return
        if self._task is None or self._ended:
            self._connect()
        data = frame.astype("<i2", copy=False).tobytes()
        self._outbox.put_nowait(data)
        self._sent_secs += len(data) / _BYTES_PER_SECOND
        self._has_utterance = True
        self._unfinalized = True

    async def finish(self) -> str:
        """Finalize the utterance and return its transcript; the connection stays open.

        Cancelled, the text recognized so far stays for the next finish.
        """
        await self._settle()
        text = " ".join(self._finals)
        self._clear_text()
        self._has_utterance = False
        return text

    async def preview(self) -> str | None:
        """Finalize what was heard so far and return its text; the utterance goes on."""
        await self._settle()
        return " ".join(self._finals)

    def reset(self) -> None:
        """Drop the current utterance: its text now, and whatever Deepgram still sends of it."""
        self._clear_text()
        self._has_utterance = False
        self._send_finalize()
        self._discard_until = self._sent_secs

    async def aclose(self) -> None:
        """Send `CloseStream`, let Deepgram close the connection, and stop."""
        self._closing = True
        task = self._task
        if task is None:
            return
        if self._opened and not self._ended:
            self._outbox.put_nowait(_CLOSE_STREAM)
            await asyncio.wait({task}, timeout=_CLOSE_TIMEOUT_SECS)
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _settle(self) -> None:
        """Have Deepgram finalize all audio sent so far, and wait for its final results."""
        self._raise_error()
        if not self._has_utterance or self._task is None:
            return
        self._send_finalize()
        mark = self._sent_secs - min(_END_TOLERANCE_SECS, self._sent_secs / 2)
        # Deepgram does not promise an answer to Finalize when little audio was left
        # unprocessed, hence the time limit.
        try:
            async with asyncio.timeout(self._finalize_timeout):
                while self._final_until < mark and not self._ended:
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            if not self._opened:
                # Should the connection open after all, what it hears is not the next turn.
                self._discard_until = self._sent_secs
                self._error = "Deepgram did not accept the connection in time"
        self._raise_error()

    def _connect(self) -> None:
        # A new connection starts a new audio timeline.
        self._outbox = asyncio.Queue()
        self._sent_secs = self._final_until = self._discard_until = 0.0
        self._unfinalized = False
        self._opened = self._ended = False
        self._task = asyncio.create_task(self._run(self._outbox))

    def _send_finalize(self) -> None:
        if self._unfinalized and self._task is not None and not self._ended:
            self._outbox.put_nowait(_FINALIZE)
            self._unfinalized = False

    def _clear_text(self) -> None:
        self._finals.clear()
        self._interim = ""
        self._last_partial = ""

    def _raise_error(self) -> None:
        if self._error is not None:
            message, self._error = self._error, None
            self._clear_text()
            self._has_utterance = False
            raise ProviderError("asr_transcription_error", message)

    async def _run(self, outbox: asyncio.Queue[bytes | str]) -> None:
        try:
            async with connect(
                self._url,
                additional_headers=self._headers,
                open_timeout=_OPEN_TIMEOUT_SECS,
                logger=_WIRE_LOGGER,
            ) as websocket:
                self._opened = True
                sender = asyncio.create_task(_send_loop(websocket, outbox, self._keep_alive_secs))
                try:
                    await self._receive_loop(websocket)
                finally:
                    sender.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sender
        except InvalidStatus as error:
            response = error.response
            self._fail(
                f"Deepgram refused the connection with HTTP {response.status_code}: "
                f"{_describe(response.body)}"
            )
        except ConnectionClosed as error:
            close = error.rcvd
            reason = f"{close.code} {close.reason}".strip() if close else "no close frame"
            self._fail(f"Deepgram closed the connection ({reason})")
        except (OSError, TimeoutError, WebSocketException) as error:
            self._fail(f"Deepgram connection failed: {type(error).__name__}: {error}")
        finally:
            self._ended = True
            self._changed.set()

    def _fail(self, message: str) -> None:
        # A connection lost between utterances is only reopened, not reported.
        if not self._closing and self._has_utterance:
            self._error = message

    async def _receive_loop(self, websocket: ClientConnection) -> None:
        async for message in websocket:
            if isinstance(message, bytes):
                continue
            try:
                data = json.loads(message)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            kind = data.get("type")
            if kind == "Results":
                self._on_results(data)
            elif kind == "Error":
                self._fail(f"Deepgram error: {data.get('description') or data}")
                self._changed.set()

    def _on_results(self, data: dict[str, Any]) -> None:
        start = float(data.get("start") or 0.0)
        end = start + float(data.get("duration") or 0.0)
        alternatives = (data.get("channel") or {}).get("alternatives") or [{}]
        transcript = str(alternatives[0].get("transcript") or "").strip()
        final = bool(data.get("is_final"))
        if final:
            self._final_until = max(self._final_until, end)
            self._changed.set()
        if end <= self._discard_until + _END_TOLERANCE_SECS / 2:
            return
        if final:
            if transcript:
                self._finals.append(transcript)
            self._interim = ""
        else:
            self._interim = transcript
        text = " ".join([*self._finals, self._interim]).strip()
        if text and text != self._last_partial:
            self._last_partial = text
            self._on_partial(text)


async def _send_loop(
    websocket: ClientConnection, outbox: asyncio.Queue[bytes | str], keep_alive_secs: float
) -> None:
    # The pending get survives keep-alive timeouts, so no queued item is ever lost to one.
    getter: asyncio.Task[bytes | str] | None = None
    try:
        while True:
            if getter is None:
                getter = asyncio.create_task(outbox.get())
            done, _ = await asyncio.wait({getter}, timeout=keep_alive_secs)
            if not done:
                await websocket.send(_KEEP_ALIVE)
                continue
            item = getter.result()
            getter = None
            await websocket.send(item)
            if item == _CLOSE_STREAM:
                return
    except ConnectionClosed:
        return
    finally:
        if getter is not None:
            getter.cancel()


def _describe(body: bytes | bytearray | None) -> str:
    """The human part of a Deepgram error body (`{"err_msg": ...}`)."""
    if not body:
        return "no details"
    try:
        data = json.loads(body)
    except ValueError:
        return bytes(body).decode("utf-8", "replace")[:200]
    if isinstance(data, dict):
        for key in ("err_msg", "message", "description"):
            if data.get(key):
                return str(data[key])
    return str(data)[:200]


def _websocket_base(base_url: str) -> str:
    base = base_url.rstrip("/").removesuffix("/v1")
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://")
    if base.startswith("http://"):
        return "ws://" + base.removeprefix("http://")
    return base


class DeepgramStt:
    """Deepgram's live models (`nova-3` by default), one WebSocket per conversation."""

    def __init__(
        self,
        access: Access,
        model: str = DEFAULT_MODEL,
        *,
        finalize_timeout: float = 1.0,
        keep_alive_secs: float = DEFAULT_KEEP_ALIVE_SECS,
    ) -> None:
        if access.api_key is None:
            raise MissingCredentials("Deepgram transcription needs a Deepgram API key")
        self.model = model
        self._base = _websocket_base(access.base_url or DEFAULT_BASE_URL)
        self._headers = {**dict(access.headers), "Authorization": f"Token {access.api_key}"}
        self._finalize_timeout = finalize_timeout
        self._keep_alive_secs = keep_alive_secs

    def stream(
        self, *, language: str, keywords: Sequence[str], on_partial: PartialCallback
    ) -> DeepgramSttStream:
        """A new stream; interim results reach `on_partial` as they arrive."""
        params: list[tuple[str, str]] = [
            ("model", self.model),
            ("encoding", "linear16"),
            ("sample_rate", str(CORE_SAMPLE_RATE)),
            ("channels", "1"),
            ("interim_results", "true"),
            ("punctuate", "true"),
        ]
        if language:
            params.append(("language", language))
        # Nova-3 takes key terms; older models take boosted keywords.
        name = "keyterm" if self.model.startswith("nova-3") else "keywords"
        params.extend((name, word) for word in keywords if word)
        url = f"{self._base}/v1/listen?{urlencode(params)}"
        return DeepgramSttStream(
            url,
            self._headers,
            on_partial,
            finalize_timeout=self._finalize_timeout,
            keep_alive_secs=self._keep_alive_secs,
        )
