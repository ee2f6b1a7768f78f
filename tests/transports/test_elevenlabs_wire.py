"""The ElevenLabs wire codec, with no socket: client frames in, event frames out."""

import base64
import json

import numpy as np
import pytest

from openconvai.conversation.events import (
    AgentAudio,
    AgentChatResponsePart,
    AgentResponse,
    AgentResponseCorrection,
    AgentToolRequest,
    AgentToolResponse,
    AgentToolResponseFullPayload,
    ClientToolCall,
    ConversationEnded,
    ConversationStarted,
    EndReason,
    ErrorEvent,
    Interruption,
    McpConnectionStatus,
    McpIntegrationStatus,
    McpToolCall,
    TentativeUserTranscript,
    UserTranscript,
    VadScore,
)
from openconvai.transports.elevenlabs import wire


def decoded(message: object) -> wire.ClientInput:
    return wire.decode_client_message(json.dumps(message))


def test_audio_chunk_decodes_to_its_bytes() -> None:
    payload = bytes(range(256))
    message = decoded({"user_audio_chunk": base64.b64encode(payload).decode()})
    assert message == wire.AudioChunk(payload)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"type": "pong", "event_id": 3}, wire.Pong(3)),
        ({"type": "pong", "event_id": 3.0}, wire.Pong(3)),
        ({"type": "user_message", "text": "hi"}, wire.UserMessage("hi")),
        ({"type": "multimodal_message", "text": {"text": "hi"}}, wire.UserMessage("hi")),
        ({"type": "multimodal_message", "files": []}, wire.Unhandled("multimodal_message")),
        ({"type": "contextual_update", "text": "on page 2"}, wire.ContextualUpdate("on page 2")),
        ({"type": "user_activity"}, wire.UserActivity()),
        (
            {"type": "client_tool_result", "tool_call_id": "c1", "result": "ok"},
            wire.ClientToolResult("c1", "ok", False),
        ),
        (
            {"type": "client_tool_result", "tool_call_id": "c1", "result": {"n": 1},
             "is_error": True},
            wire.ClientToolResult("c1", '{"n": 1}', True),
        ),
        ({"type": "feedback", "event_id": 7, "score": "like"}, wire.Feedback(7, "like")),
        ({"type": "feedback", "event_id": 7, "score": None}, wire.Feedback(7, None)),
        ({"type": "mcp_tool_approval_result", "tool_call_id": "x", "is_approved": False},
         wire.McpApproval("x", False)),
        (
            {"type": "conversation_initiation_client_data", "dynamic_variables": {"a": 1}},
            wire.Initiation(
                {"type": "conversation_initiation_client_data", "dynamic_variables": {"a": 1}}
            ),
        ),
        ({"type": "enclave_setup_config", "x": 1},
         wire.EnclaveSetup({"type": "enclave_setup_config", "x": 1})),
    ],
)  # fmt: skip
def test_client_messages_decode_to_typed_inputs(
    message: dict[str, object], expected: wire.ClientInput
) -> None:
    assert decoded(message) == expected


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"user_audio_chunk": 5}', "base64 string"),
        ('{"user_audio_chunk": "***"}', "not valid base64"),
        ("{}", "no type"),
        ('{"type": "dance"}', "unknown message type"),
        ('{"type": "user_message"}', "needs a string 'text'"),
        ('{"type": "pong"}', "needs a number 'event_id'"),
        ('{"type": "pong", "event_id": true}', "needs a number 'event_id'"),
        ('{"type": "feedback", "event_id": 1, "score": "meh"}', "like, dislike or null"),
        ('{"type": "client_tool_result", "result": "x"}', "needs a string 'tool_call_id'"),
        ('{"type": "mcp_tool_approval_result", "tool_call_id": "x"}', "boolean 'is_approved'"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_bad_client_frames_say_what_is_wrong(raw: str | bytes, complaint: str) -> None:
    with pytest.raises(wire.InvalidClientMessage, match=complaint):
        wire.decode_client_message(raw)


def frame(event: object) -> dict[str, object]:
    encoded = wire.encode_event(event)  # type: ignore[arg-type]
    assert encoded is not None
    result: dict[str, object] = json.loads(encoded)
    return result


def test_events_encode_as_the_protocol_has_them() -> None:
    assert frame(UserTranscript("hello", 2)) == {
        "type": "user_transcript",
        "user_transcription_event": {"user_transcript": "hello", "event_id": 2},
    }
    assert frame(TentativeUserTranscript("hel", 2)) == {
        "type": "tentative_user_transcript",
        "tentative_user_transcription_event": {"user_transcript": "hel", "event_id": 2},
    }
    assert frame(AgentResponse("Hi.", 3)) == {
        "type": "agent_response",
        "agent_response_event": {"agent_response": "Hi.", "event_id": 3},
    }
    assert frame(AgentResponseCorrection("Hi there.", "Hi", 3)) == {
        "type": "agent_response_correction",
        "agent_response_correction_event": {
            "original_agent_response": "Hi there.",
            "corrected_agent_response": "Hi",
            "event_id": 3,
        },
    }
    assert frame(AgentChatResponsePart("Hi", "delta", 3)) == {
        "type": "agent_chat_response_part",
        "text_response_part": {"text": "Hi", "type": "delta", "event_id": 3},
    }
    assert frame(Interruption(3)) == {"type": "interruption", "interruption_event": {"event_id": 3}}
    assert frame(ClientToolCall("lookup", "c1", {"q": 1}, 4)) == {
        "type": "client_tool_call",
        "client_tool_call": {
            "tool_name": "lookup", "tool_call_id": "c1", "parameters": {"q": 1}, "event_id": 4,
        },
    }  # fmt: skip
    assert frame(AgentToolResponse("end_call", "c2", "system", False, 4)) == {
        "type": "agent_tool_response",
        "agent_tool_response": {
            "tool_name": "end_call", "tool_call_id": "c2", "tool_type": "system",
            "is_error": False, "is_called": True, "event_id": 4,
        },
    }  # fmt: skip
    assert frame(AgentToolRequest("get_order", "c3", "webhook", 5)) == {
        "type": "agent_tool_request",
        "agent_tool_request": {
            "tool_name": "get_order", "tool_call_id": "c3", "tool_type": "webhook", "event_id": 5,
        },
    }  # fmt: skip
    full = frame(AgentToolResponseFullPayload("get_order", "c3", "webhook", True, 5, "boom"))
    assert full == {
        "type": "agent_tool_response_full_payload",
        "agent_tool_response_full_payload": {
            "tool_name": "get_order", "tool_call_id": "c3", "tool_type": "webhook",
            "is_error": True, "is_called": True, "event_id": 5, "full_tool_result": "boom",
        },
    }  # fmt: skip
    waiting = McpToolCall("srv", "c4", "add", None, {"a": 1}, "t0", "awaiting_approval", 30.0)
    assert frame(waiting)["mcp_tool_call"] == {
        "service_id": "srv", "tool_call_id": "c4", "tool_name": "add", "tool_description": None,
        "parameters": {"a": 1}, "timestamp": "t0", "state": "awaiting_approval",
        "approval_timeout_secs": 30.0,
    }  # fmt: skip
    done = McpToolCall("srv", "c4", "add", None, {}, "t1", "success", result=({"type": "x"},))
    assert frame(done)["mcp_tool_call"]["result"] == [{"type": "x"}]
    failed = McpToolCall("srv", "c4", "add", None, {}, "t1", "failure", error_message="down")
    assert frame(failed)["mcp_tool_call"]["error_message"] == "down"
    status = McpConnectionStatus((McpIntegrationStatus("srv", "mcp_server", True, 2),))
    assert frame(status) == {
        "type": "mcp_connection_status",
        "mcp_connection_status": {
            "integrations": [
                {"integration_id": "srv", "integration_type": "mcp_server",
                 "is_connected": True, "tool_count": 2}
            ]
        },
    }  # fmt: skip
    assert frame(VadScore(0.75)) == {"type": "vad_score", "vad_score_event": {"vad_score": 0.75}}
    assert frame(ConversationStarted("conv_1", "pcm_16000", "ulaw_8000")) == {
        "type": "conversation_initiation_metadata",
        "conversation_initiation_metadata_event": {
            "conversation_id": "conv_1",
            "agent_output_audio_format": "ulaw_8000",
            "user_input_audio_format": "pcm_16000",
        },
    }
    assert frame(ErrorEvent("llm_error", "it broke", 1011, {"x": 1})) == {
        "type": "error",
        "error_event": {
            "code": 1011, "error_type": "llm_error", "message": "it broke",
            "reason": "it broke", "details": {"x": 1},
        },
    }  # fmt: skip


def test_audio_and_the_end_have_no_frame_of_their_own() -> None:
    pcm = np.zeros(320, dtype=np.int16)
    assert wire.encode_event(AgentAudio(audio=pcm, event_id=1)) is None
    assert wire.encode_event(ConversationEnded(EndReason.END_CALL)) is None
    audio = json.loads(wire.encode_audio(b"\x01\x02", 5))
    assert audio == {"type": "audio", "audio_event": {"audio_base_64": "AQI=", "event_id": 5}}
    ping = json.loads(wire.encode_ping(9, 42))
    assert ping == {"type": "ping", "ping_event": {"event_id": 9, "ping_ms": 42}}


def test_every_end_reason_has_a_close_code() -> None:
    assert wire.close_code(EndReason.SHUTDOWN) == 1001
    for reason in EndReason:
        if reason is not EndReason.SHUTDOWN:
            assert wire.close_code(reason) == 1000
