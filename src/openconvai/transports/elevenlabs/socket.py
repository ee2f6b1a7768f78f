"""The ElevenLabs conversation WebSocket (`/v1/convai/conversation`): a thin socket.

It reads the opening messages into a `StartRequest`, runs the conversation through the
runner, and between the two keeps the wire's own business: audio codecs, keep-alive pings
and close codes.
"""

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from openconvai.audio.codec import InputDecoder, OutputEncoder
from openconvai.audio.formats import AudioFormat
from openconvai.conversation.events import (
    AgentAudio,
    ConversationEnded,
    ConversationStarted,
    CoreEvent,
)
from openconvai.conversation.session import ConversationSession
from openconvai.state import AppState
from openconvai.transports.elevenlabs import wire
from openconvai.transports.elevenlabs.keepalive import Keepalive
from openconvai.transports.runner import ConversationRefused, StartRequest, run_conversation

logger = logging.getLogger(__name__)

router = APIRouter()

SUBPROTOCOL = "convai"
_OPENING_TIMEOUT_SECS = 15.0
_BEARER_PREFIX = "bearer."


@router.websocket("/v1/convai/conversation")
async def conversation_socket(websocket: WebSocket) -> None:
    """A real-time conversation with an agent."""
    offered: list[str] = websocket.scope.get("subprotocols") or []
    # Browsers fail the handshake unless the server selects the subprotocol they offered.
    await websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    bearer = next((p[len(_BEARER_PREFIX) :] for p in offered if p.startswith(_BEARER_PREFIX)), None)
    await _Connection(websocket, websocket.app.state.openconvai, bearer).run()


class _Connection:
    """One socket and the conversation on it (a runner `Channel`)."""

    def __init__(self, websocket: WebSocket, state: AppState, bearer: str | None) -> None:
        self._ws = websocket
        self._state = state
        self._bearer = bearer
        self._send_lock = asyncio.Lock()
        self._closed = False
        self._keepalive = Keepalive(self._send, state.settings.ping_interval_secs)
        self._decoder: InputDecoder | None = None
        self._encoder: OutputEncoder | None = None
        self._output_format: AudioFormat | None = None
        self._audio_event_id = -1

    async def run(self) -> None:
        try:
            opening = await asyncio.wait_for(self._opening(), _OPENING_TIMEOUT_SECS)
        except (TimeoutError, WebSocketDisconnect):
            await self._close(1008, "no conversation_initiation_client_data received")
            return
        except wire.InvalidClientMessage as exc:
            await self.refuse(ConversationRefused("invalid_message", str(exc)))
            return
        initiation, enclave = opening
        query = self._ws.query_params
        request = StartRequest(
            agent_id=query.get("agent_id"),
            initiation=initiation,
            conversation_signature=query.get("conversation_signature"),
            token=query.get("token") or self._bearer,
            origin=self._ws.headers.get("origin"),
            enclave=enclave,
        )
        await run_conversation(self._state, request, self)

    async def _opening(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The initiation message, after the self-hosted setup message if one comes first."""
        enclave: dict[str, Any] | None = None
        while True:
            message = wire.decode_client_message(await self._ws.receive_text())
            if isinstance(message, wire.EnclaveSetup) and enclave is None:
                enclave = message.body
                continue
            if not isinstance(message, wire.Initiation):
                raise wire.InvalidClientMessage(
                    "the first message must be conversation_initiation_client_data"
                )
            return message.body, enclave

    async def serve(self, session: ConversationSession) -> None:
        """Feed client frames to the session, pinging meanwhile, until either side is done."""
        pinging = asyncio.create_task(self._keepalive.run(), name="keepalive")
        try:
            await self._receive(session)
        finally:
            pinging.cancel()

    async def _receive(self, session: ConversationSession) -> None:
        while not session.ended:
            try:
                frame = await self._ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if frame["type"] == "websocket.disconnect":
                return
            raw = frame.get("text") if frame.get("text") is not None else frame.get("bytes")
            if raw is None:
                continue
            try:
                await self._dispatch(session, wire.decode_client_message(raw))
            except wire.InvalidClientMessage as exc:
                await self._send(wire.error_frame("invalid_message", str(exc)))

    async def _dispatch(self, session: ConversationSession, message: wire.ClientInput) -> None:
        match message:
            case wire.AudioChunk(audio=audio):
                if self._decoder is not None:
                    await session.push_audio(self._decoder.decode(audio))
            case wire.Pong(event_id=event_id):
                self._keepalive.pong(event_id)
            case wire.UserMessage(text=text):
                await session.user_text(text)
            case wire.ContextualUpdate(text=text):
                session.contextual_update(text)
            case wire.UserActivity():
                session.user_activity()
            case wire.ClientToolResult(tool_call_id=call_id, result=result, is_error=is_error):
                session.client_tool_result(call_id, result, is_error)
            case wire.Feedback(event_id=event_id, score=score):
                session.feedback(event_id, score)
            case wire.McpApproval(tool_call_id=call_id, is_approved=approved):
                session.mcp_tool_approval(call_id, approved)
            case _:
                # A repeated initiation or a flow this server does not run: nothing to do.
                pass

    async def deliver(self, event: CoreEvent) -> None:
        """Encode a core event and send it; the end of the conversation closes the socket."""
        match event:
            case AgentAudio():
                await self._send_audio(event)
            case ConversationEnded(reason=reason):
                await self._close(wire.close_code(reason), reason.value)
            case _:
                if isinstance(event, ConversationStarted):
                    self._decoder = InputDecoder(AudioFormat.parse(event.user_input_audio_format))
                    self._output_format = AudioFormat.parse(event.agent_output_audio_format)
                frame = wire.encode_event(event)
                if frame is not None:
                    await self._send(frame)

    async def _send_audio(self, event: AgentAudio) -> None:
        encoder = self._encoder
        if self._output_format is None:
            return
        if (
            encoder is None
            or event.event_id != self._audio_event_id
            or encoder.source_rate != event.sample_rate
        ):
            # A new response starts clean: an interrupted one's tail is never heard.
            encoder = self._encoder = OutputEncoder(event.sample_rate, self._output_format)
            self._audio_event_id = event.event_id
        await self._send(wire.encode_audio(encoder.encode(event.audio), event.event_id))

    async def _send(self, frame: str) -> None:
        if self._closed:
            return
        async with self._send_lock:
            try:
                await self._ws.send_text(frame)
            except (WebSocketDisconnect, RuntimeError, OSError):
                # The client is gone; the receive loop notices and ends the conversation.
                self._closed = True

    async def refuse(self, refusal: ConversationRefused) -> None:
        """Send the refusal as an `error` event, then close with its code."""
        await self._send(wire.error_frame(refusal.error_type, refusal.message, refusal.close_code))
        await self._close(refusal.close_code, refusal.message)

    async def _close(self, code: int, reason: str) -> None:
        if self._closed and self._ws.application_state == WebSocketState.DISCONNECTED:
            return
        self._closed = True
        async with self._send_lock:
            with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
                # Close reasons are limited to 123 bytes by the protocol.
                await self._ws.close(code, reason.encode()[:120].decode(errors="ignore"))
