"""The ElevenLabs conversation WebSocket's JSON messages, both ways (websocket.md §3-4).

Pure: client frames decode into typed inputs, core events encode into frames, and each
`EndReason` has its close code. No socket, no state.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Literal

from openconvai.conversation.events import (
    AgentChatResponsePart,
    AgentResponse,
    AgentResponseCorrection,
    AgentToolRequest,
    AgentToolResponse,
    AgentToolResponseFullPayload,
    ClientToolCall,
    ConversationStarted,
    CoreEvent,
    EndReason,
    ErrorEvent,
    Interruption,
    McpConnectionStatus,
    McpToolCall,
    TentativeUserTranscript,
    UserTranscript,
    VadScore,
)

# The close code of each way a conversation ends; anything else closes normally.
_CLOSE_CODES = {EndReason.SHUTDOWN: 1001}


def close_code(reason: EndReason) -> int:
    """The WebSocket close code for a conversation that ended for `reason`."""
    return _CLOSE_CODES.get(reason, 1000)


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


def encode_audio(audio: bytes, event_id: int) -> str:
    """An `audio` frame: agent audio already in the conversation's output format."""
    payload = {"audio_base_64": base64.b64encode(audio).decode(), "event_id": event_id}
    return _dumps({"type": "audio", "audio_event": payload})


def encode_ping(event_id: int, ping_ms: int | None) -> str:
    """A keep-alive `ping`; `ping_ms` is the last measured round trip."""
    return _dumps({"type": "ping", "ping_event": {"event_id": event_id, "ping_ms": ping_ms}})


def encode_event(event: CoreEvent) -> str | None:
    """The JSON text frame for a core event; None for events with no frame of their own
    (agent audio, which needs the connection's encoder, and the end, which is a close)."""
    message = _message(event)
    return None if message is None else _dumps(message)


def _message(event: CoreEvent) -> dict[str, Any] | None:
    match event:
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
        case ClientToolCall(tool_name=name, tool_call_id=call_id, parameters=params, event_id=eid):
            body = {
                "tool_name": name,
                "tool_call_id": call_id,
                "parameters": params,
                "event_id": eid,
            }
            return {"type": "client_tool_call", "client_tool_call": body}
        case AgentToolRequest() as tool:
            body = {
                "tool_name": tool.tool_name,
                "tool_call_id": tool.tool_call_id,
                "tool_type": tool.tool_type,
                "event_id": tool.event_id,
            }
            return {"type": "agent_tool_request", "agent_tool_request": body}
        case AgentToolResponseFullPayload() as tool:
            body = {
                "tool_name": tool.tool_name,
                "tool_call_id": tool.tool_call_id,
                "tool_type": tool.tool_type,
                "is_error": tool.is_error,
                "is_called": True,
                "event_id": tool.event_id,
                "full_tool_result": tool.full_tool_result,
            }
            return {
                "type": "agent_tool_response_full_payload",
                "agent_tool_response_full_payload": body,
            }
        case McpToolCall() as mcp:
            return {"type": "mcp_tool_call", "mcp_tool_call": _mcp_call(mcp)}
        case McpConnectionStatus(integrations=integrations):
            listed = [
                {
                    "integration_id": item.integration_id,
                    "integration_type": item.integration_type,
                    "is_connected": item.is_connected,
                    "tool_count": item.tool_count,
                }
                for item in integrations
            ]
            return {
                "type": "mcp_connection_status",
                "mcp_connection_status": {"integrations": listed},
            }
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


def _mcp_call(call: McpToolCall) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_id": call.service_id,
        "tool_call_id": call.tool_call_id,
        "tool_name": call.tool_name,
        "tool_description": call.tool_description,
        "parameters": call.parameters,
        "timestamp": call.timestamp,
        "state": call.state,
    }
    if call.state == "awaiting_approval":
        body["approval_timeout_secs"] = call.approval_timeout_secs
    elif call.state == "success":
        body["result"] = list(call.result or ())
    elif call.state == "failure":
        body["error_message"] = call.error_message
    return body


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
    """`{"user_audio_chunk": base64}`: user audio in the conversation's input format."""

    audio: bytes


@dataclass(frozen=True)
class Initiation:
    """`conversation_initiation_client_data`, as the client sent it."""

    body: dict[str, Any]


@dataclass(frozen=True)
class EnclaveSetup:
    """`enclave_setup_config`: a self-hosted client's whole agent, before the initiation."""

    body: dict[str, Any]


@dataclass(frozen=True)
class Pong:
    """The answer to our `ping` with `event_id`."""

    event_id: int


@dataclass(frozen=True)
class UserMessage:
    """A typed user turn (`user_message`, or the text of a `multimodal_message`)."""

    text: str


@dataclass(frozen=True)
class ContextualUpdate:
    """Information for the agent that asks for no reply."""

    text: str


@dataclass(frozen=True)
class UserActivity:
    """The user is there (typing, say)."""


@dataclass(frozen=True)
class ClientToolResult:
    """The client's answer to a `client_tool_call`."""

    tool_call_id: str
    result: str
    is_error: bool


FeedbackScore = Literal["like", "dislike"] | None


@dataclass(frozen=True)
class Feedback:
    """The user rated response `event_id`."""

    event_id: int
    score: FeedbackScore


@dataclass(frozen=True)
class McpApproval:
    """The client's decision on an MCP call awaiting approval."""

    tool_call_id: str
    is_approved: bool


@dataclass(frozen=True)
class Unhandled:
    """A known message of a flow this server does not run (nothing to do)."""

    type: str


ClientInput = (
    AudioChunk
    | Initiation
    | EnclaveSetup
    | Pong
    | UserMessage
    | ContextualUpdate
    | UserActivity
    | ClientToolResult
    | Feedback
    | McpApproval
    | Unhandled
)

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


def decode_client_message(text: str | bytes) -> ClientInput:
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
    return _typed(kind, message)


def _typed(kind: str, body: dict[str, Any]) -> ClientInput:
    match kind:
        case "conversation_initiation_client_data":
            return Initiation(body)
        case "enclave_setup_config":
            return EnclaveSetup(body)
        case "pong":
            return Pong(_int(body, "event_id"))
        case "user_message":
            return UserMessage(_text(body, "text"))
        case "multimodal_message":
            text = body.get("text")
            if isinstance(text, dict) and isinstance(text.get("text"), str):
                return UserMessage(text["text"])
            return Unhandled(kind)
        case "contextual_update":
            return ContextualUpdate(_text(body, "text"))
        case "user_activity":
            return UserActivity()
        case "client_tool_result":
            result = body.get("result")
            return ClientToolResult(
                _text(body, "tool_call_id"),
                result if isinstance(result, str) else json.dumps(result),
                bool(body.get("is_error", False)),
            )
        case "feedback":
            score = body.get("score")
            if score not in ("like", "dislike", None):
                raise InvalidClientMessage("feedback score must be like, dislike or null")
            return Feedback(_int(body, "event_id"), score)
        case "mcp_tool_approval_result":
            approved = body.get("is_approved")
            if not isinstance(approved, bool):
                raise InvalidClientMessage("mcp_tool_approval_result needs a boolean 'is_approved'")
            return McpApproval(_text(body, "tool_call_id"), approved)
    return Unhandled(kind)


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise InvalidClientMessage(f"{body.get('type')} needs a string {name!r}")
    return value


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidClientMessage(f"{body.get('type')} needs a number {name!r}")
    return int(value)
