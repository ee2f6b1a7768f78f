"""The ElevenLabs conversation WebSocket's JSON messages, both ways (websocket.md §3-4)."""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Literal

from openconvai.conversation.events import (
    AgentAudio,
    AgentChatResponsePart,
    AgentResponse,
    AgentResponseCorrection,
    AgentToolResponse,
    ClientToolCall,
    ConversationStarted,
    CoreEvent,
    ErrorEvent,
    Interruption,
    Ping,
    TentativeUserTranscript,
    UserTranscript,
    VadScore,
)


def encode_event(event: CoreEvent) -> str | None:
    """The JSON text frame for a core event; None for events with no wire form."""
    message = _message(event)
    return None if message is None else json.dumps(message, separators=(",", ":"))


def _message(event: CoreEvent) -> dict[str, Any] | None:
    match event:
        case AgentAudio(audio=audio, event_id=event_id):
            payload = {"audio_base_64": base64.b64encode(audio).decode(), "event_id": event_id}
            return {"type": "audio", "audio_event": payload}
        case UserTranscript(text=text, event_id=event_id):
            body = {"user_transcript": text, "event_id": event_id}
            return {"type": "user_transcript", "user_transcription_event": body}
        case TentativeUserTranscript(text=text, event_id=event_id):
            body = {"user_transcript": text, "event_id": event_id}
            return {"type": "tentative_user_transcript", "tentative_user_transcription_event": body}
        case AgentResponse(text=text, event_id=event_id):
            body = {"agent_response": text, "event_id": event_id}
            return {"type": "agent_response", "agent_response_event": body}
        case AgentResponseCorrection(original=original, corrected=corrected, event_id=event_id):
            body = {
                "original_agent_response": original,
                "corrected_agent_response": corrected,
                "event_id": event_id,
            }
            return {"type": "agent_response_correction", "agent_response_correction_event": body}
        case AgentChatResponsePart(text=text, kind=kind, event_id=event_id):
            body = {"text": text, "type": kind, "event_id": event_id}
            return {"type": "agent_chat_response_part", "text_response_part": body}
        case Interruption(event_id=event_id):
            return {"type": "interruption", "interruption_event": {"event_id": event_id}}
        case Ping(event_id=event_id, ping_ms=ping_ms):
            return {"type": "ping", "ping_event": {"event_id": event_id, "ping_ms": ping_ms}}
        case ClientToolCall(tool_name=name, tool_call_id=call_id, parameters=params, event_id=eid):
            body = {
                "tool_name": name,
                "tool_call_id": call_id,
                "parameters": params,
                "event_id": eid,
            }
            return {"type": "client_tool_call", "client_tool_call": body}
        case AgentToolResponse() as tool:
            body = {
                "tool_name": tool.tool_name,
                "tool_call_id": tool.tool_call_id,
                "tool_type": tool.tool_type,
                "is_error": tool.is_error,
                "is_called": True,
                "event_id": tool.event_id,
            }
            return {"type": "agent_tool_response", "agent_tool_response": body}
        case VadScore(score=score):
            return {"type": "vad_score", "vad_score_event": {"vad_score": score}}
        case ErrorEvent() as error:
            return {"type": "error", "error_event": error_body(error)}
        case ConversationStarted() as started:
            body = {
                "conversation_id": started.conversation_id,
                "agent_output_audio_format": started.agent_output_audio_format,
                "user_input_audio_format": started.user_input_audio_format,
            }
            return {
                "type": "conversation_initiation_metadata",
                "conversation_initiation_metadata_event": body,
            }
    return None


def error_body(error: ErrorEvent) -> dict[str, Any]:
    """The `error_event` payload."""
    body: dict[str, Any] = {
        "code": error.code,
        "error_type": error.error_type,
        "message": error.message,
        "reason": error.message,
    }
    if error.details:
        body["details"] = error.details
    return body


def error_frame(error_type: str, message: str, code: int = 1000) -> str:
    """A ready-to-send `error` message."""
    return encode_event(ErrorEvent(error_type=error_type, message=message, code=code)) or ""


# --- client → server ---------------------------------------------------------------------


class InvalidClientMessage(ValueError):
    """A client frame this protocol does not define (the session carries on)."""


@dataclass(frozen=True)
class AudioChunk:
    """`{"user_audio_chunk": base64}`."""

    audio: bytes


@dataclass(frozen=True)
class ClientMessage:
    """Any typed client message, validated enough to dispatch."""

    type: str
    body: dict[str, Any]


KNOWN_TYPES = frozenset(
    {
        "conversation_initiation_client_data",
        "enclave_setup_config",
        "pong",
        "user_message",
        "contextual_update",
        "user_activity",
        "client_tool_result",
        "feedback",
        "multimodal_message",
        "mcp_tool_approval_result",
    }
)


def decode_client_message(text: str | bytes) -> AudioChunk | ClientMessage:
    """Parse one client frame; `InvalidClientMessage` says what is wrong with it."""
    try:
        message = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidClientMessage("message is not valid JSON") from exc
    if not isinstance(message, dict):
        raise InvalidClientMessage("message must be a JSON object")
    if "user_audio_chunk" in message:
        chunk = message["user_audio_chunk"]
        if not isinstance(chunk, str):
            raise InvalidClientMessage("user_audio_chunk must be a base64 string")
        try:
            return AudioChunk(base64.b64decode(chunk, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise InvalidClientMessage("user_audio_chunk is not valid base64") from exc
    kind = message.get("type")
    if not isinstance(kind, str):
        raise InvalidClientMessage("message has no type")
    if kind not in KNOWN_TYPES:
        raise InvalidClientMessage(f"unknown message type {kind!r}")
    return ClientMessage(kind, message)


def text_field(body: dict[str, Any], name: str) -> str:
    """A required string field of a client message."""
    value = body.get(name)
    if not isinstance(value, str):
        raise InvalidClientMessage(f"{body.get('type')} needs a string {name!r}")
    return value


FeedbackScore = Literal["like", "dislike"] | None
