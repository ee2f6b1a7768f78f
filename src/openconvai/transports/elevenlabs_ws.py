"""The ElevenLabs conversation WebSocket (`/v1/convai/conversation`): wire ⇄ core.

A thin codec: it reads the opening messages, asks the service to prepare the conversation,
then turns each client frame into a core call and each core event into a frame.
"""

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from openconvai.conversation.events import ConversationEnded, CoreEvent
from openconvai.conversation.session import ConversationSession
from openconvai.services.live_conversations import ConnectRequest, ConversationRefused, prepare
from openconvai.state import AppState
from openconvai.transports.elevenlabs_wire import (
    AudioChunk,
    ClientMessage,
    InvalidClientMessage,
    decode_client_message,
    encode_event,
    error_frame,
    text_field,
)

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
    """One socket and the conversation on it."""

    def __init__(self, websocket: WebSocket, state: AppState, bearer: str | None) -> None:
        self._ws = websocket
        self._state = state
        self._bearer = bearer
        self._send_lock = asyncio.Lock()
        self._closed = False

    async def run(self) -> None:
        try:
            opening = await asyncio.wait_for(self._opening(), _OPENING_TIMEOUT_SECS)
        except (TimeoutError, WebSocketDisconnect):
            await self._close(1008, "no conversation_initiation_client_data received")
            return
        except InvalidClientMessage as exc:
            await self._refuse(ConversationRefused("invalid_message", str(exc)))
            return
        initiation, enclave = opening
        query = self._ws.query_params
        request = ConnectRequest(
            agent_id=query.get("agent_id"),
            initiation=initiation,
            conversation_signature=query.get("conversation_signature"),
            token=query.get("token") or self._bearer,
            origin=self._ws.headers.get("origin"),
            enclave=enclave,
        )
        try:
            prepared = await prepare(self._state, request)
        except ConversationRefused as refusal:
            await self._refuse(refusal)
            return
        session = ConversationSession(
            prepared.setup, prepared.pipeline, self._emit, prepared.log, prepared.recorder
        )
        live = self._state.live
        live.add(prepared.workspace_id, session)
        try:
            await session.start()
            await self._receive(session)
        finally:
            if not session.ended:
                await session.end("client disconnected")
            live.remove(session)
            await prepared.slots.release(self._state)

    async def _opening(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The initiation message, after the self-hosted setup message if one comes first."""
        enclave: dict[str, Any] | None = None
        while True:
            message = decode_client_message(await self._ws.receive_text())
            if not isinstance(message, ClientMessage):
                raise InvalidClientMessage(
                    "the first message must be conversation_initiation_client_data"
                )
            if message.type == "enclave_setup_config" and enclave is None:
                enclave = message.body
                continue
            if message.type != "conversation_initiation_client_data":
                raise InvalidClientMessage(
                    "the first message must be conversation_initiation_client_data"
                )
            return message.body, enclave

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
                await self._dispatch(session, decode_client_message(raw))
            except InvalidClientMessage as exc:
                await self._send(error_frame("invalid_message", str(exc)))

    async def _dispatch(
        self, session: ConversationSession, message: AudioChunk | ClientMessage
    ) -> None:
        if isinstance(message, AudioChunk):
            await session.push_audio(message.audio)
            return
        body = message.body
        match message.type:
            case "pong":
                session.pong(_int(body, "event_id"))
            case "user_message":
                await session.user_text(text_field(body, "text"))
            case "multimodal_message":
                text = body.get("text")
                if isinstance(text, dict) and isinstance(text.get("text"), str):
                    await session.user_text(text["text"])
            case "contextual_update":
                session.contextual_update(text_field(body, "text"))
            case "user_activity":
                session.user_activity()
            case "client_tool_result":
                result = body.get("result")
                session.client_tool_result(
                    text_field(body, "tool_call_id"),
                    result if isinstance(result, str) else _json_text(result),
                    bool(body.get("is_error", False)),
                )
            case "feedback":
                score = body.get("score")
                if score not in ("like", "dislike", None):
                    raise InvalidClientMessage("feedback score must be like, dislike or null")
                session.feedback(_int(body, "event_id"), score)
            case _:
                # A repeated initiation or a flow this server does not run: nothing to do.
                pass

    async def _emit(self, event: CoreEvent) -> None:
        if isinstance(event, ConversationEnded):
            await self._close(event.close_code, event.reason)
            return
        frame = encode_event(event)
        if frame is not None:
            await self._send(frame)

    async def _send(self, frame: str) -> None:
        if self._closed:
            return
        async with self._send_lock:
            try:
                await self._ws.send_text(frame)
            except (WebSocketDisconnect, RuntimeError, OSError):
                # The client is gone; the receive loop notices and ends the conversation.
                self._closed = True

    async def _refuse(self, refusal: ConversationRefused) -> None:
        await self._send(error_frame(refusal.error_type, refusal.message, refusal.close_code))
        await self._close(refusal.close_code, refusal.message)

    async def _close(self, code: int, reason: str) -> None:
        if self._closed and self._ws.application_state == WebSocketState.DISCONNECTED:
            return
        self._closed = True
        async with self._send_lock:
            with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
                # Close reasons are limited to 123 bytes by the protocol.
                await self._ws.close(code, reason.encode()[:120].decode(errors="ignore"))


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidClientMessage(f"{body.get('type')} needs a number {name!r}")
    return int(value)


def _json_text(value: Any) -> str:
    return json.dumps(value)
