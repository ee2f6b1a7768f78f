"""What the conversation core emits. Transports encode these into their wire format."""

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class CoreEvent:
    """Base of every output event; `client_event` names it in `conversation.client_events`."""

    client_event: ClassVar[str | None] = None


@dataclass(frozen=True)
class ConversationStarted(CoreEvent):
    """The conversation exists; always the first event."""

    client_event: ClassVar[str | None] = "conversation_initiation_metadata"
    conversation_id: str
    user_input_audio_format: str
    agent_output_audio_format: str


@dataclass(frozen=True)
class AgentAudio(CoreEvent):
    """A chunk of the agent's speech: mono int16 PCM at `sample_rate`, of response `event_id`.

    The transport encodes it for its wire; a chunk of a new `event_id` starts a new response.
    """

    client_event: ClassVar[str | None] = "audio"
    audio: npt.NDArray[np.int16]
    event_id: int
    sample_rate: int = 16000

    @property
    def duration_secs(self) -> float:
        """How long the chunk plays."""
        return self.audio.size / self.sample_rate


@dataclass(frozen=True)
class UserTranscript(CoreEvent):
    """The final transcript of a user turn."""

    client_event: ClassVar[str | None] = "user_transcript"
    text: str
    event_id: int


@dataclass(frozen=True)
class TentativeUserTranscript(CoreEvent):
    """A partial transcript while the user is still speaking."""

    client_event: ClassVar[str | None] = "tentative_user_transcript"
    text: str
    event_id: int


@dataclass(frozen=True)
class AgentResponse(CoreEvent):
    """The full text of an agent turn."""

    client_event: ClassVar[str | None] = "agent_response"
    text: str
    event_id: int


@dataclass(frozen=True)
class AgentResponseCorrection(CoreEvent):
    """An interrupted agent turn, cut to what the user heard."""

    client_event: ClassVar[str | None] = "agent_response_correction"
    original: str
    corrected: str
    event_id: int


@dataclass(frozen=True)
class AgentChatResponsePart(CoreEvent):
    """Streamed text of a reply (text conversations)."""

    client_event: ClassVar[str | None] = "agent_chat_response_part"
    text: str
    kind: Literal["start", "delta", "stop"]
    event_id: int


@dataclass(frozen=True)
class Interruption(CoreEvent):
    """The user barged in: drop every buffered chunk of response `event_id`."""

    client_event: ClassVar[str | None] = "interruption"
    event_id: int


@dataclass(frozen=True)
class ClientToolCall(CoreEvent):
    """The agent asks the client to run one of its tools."""

    client_event: ClassVar[str | None] = "client_tool_call"
    tool_name: str
    tool_call_id: str
    parameters: dict[str, Any]
    event_id: int


@dataclass(frozen=True)
class AgentToolRequest(CoreEvent):
    """A tool the server runs (webhook, system, MCP) has been called."""

    client_event: ClassVar[str | None] = "agent_tool_request"
    tool_name: str
    tool_call_id: str
    tool_type: str
    event_id: int


@dataclass(frozen=True)
class AgentToolResponse(CoreEvent):
    """A tool the agent called has answered."""

    client_event: ClassVar[str | None] = "agent_tool_response"
    tool_name: str
    tool_call_id: str
    tool_type: str
    is_error: bool
    event_id: int


@dataclass(frozen=True)
class AgentToolResponseFullPayload(CoreEvent):
    """A tool's answer with its whole result, for clients that ask for it."""

    client_event: ClassVar[str | None] = "agent_tool_response_full_payload"
    tool_name: str
    tool_call_id: str
    tool_type: str
    is_error: bool
    event_id: int
    full_tool_result: str


McpCallState = Literal["loading", "awaiting_approval", "success", "failure"]


@dataclass(frozen=True)
class McpToolCall(CoreEvent):
    """Where a call of an MCP server's tool stands."""

    client_event: ClassVar[str | None] = "mcp_tool_call"
    service_id: str
    tool_call_id: str
    tool_name: str
    tool_description: str | None
    parameters: dict[str, Any]
    timestamp: str
    state: McpCallState
    approval_timeout_secs: float | None = None
    result: tuple[dict[str, Any], ...] | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class McpIntegrationStatus:
    """One MCP server of the agent, as discovered at the start."""

    integration_id: str
    integration_type: str
    is_connected: bool
    tool_count: int


@dataclass(frozen=True)
class McpConnectionStatus(CoreEvent):
    """The agent's MCP servers: connected or not, and how many tools each offers."""

    client_event: ClassVar[str | None] = "mcp_connection_status"
    integrations: tuple[McpIntegrationStatus, ...]


@dataclass(frozen=True)
class VadScore(CoreEvent):
    """The voice-activity probability of recent user audio."""

    client_event: ClassVar[str | None] = "vad_score"
    score: float


@dataclass(frozen=True)
class ErrorEvent(CoreEvent):
    """Something went wrong; the conversation may go on unless it also ends."""

    client_event: ClassVar[str | None] = "error"
    error_type: str
    message: str
    code: int = 1000
    details: dict[str, Any] = field(default_factory=dict)


class EndReason(Enum):
    """Why a conversation ended; the value is the stored termination reason.

    Each transport maps it to its own wire (a WebSocket close code, a SIP BYE, ...).
    """

    CLIENT_DISCONNECTED = "client disconnected"
    END_CALL = "end_call tool was called"
    MAX_DURATION = "max_duration_exceeded"
    SILENCE_TIMEOUT = "silence_end_call_timeout"
    SHUTDOWN = "server shutting down"


@dataclass(frozen=True)
class ConversationEnded(CoreEvent):
    """The conversation is over; the transport closes its connection."""

    reason: EndReason


# Sent whatever the agent's `client_events` list says: the protocol cannot work without them.
ALWAYS_SENT = frozenset(
    {"conversation_initiation_metadata", "error", "client_tool_call", "mcp_tool_call"}
)
