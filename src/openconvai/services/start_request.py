"""What a transport asks for when it starts a conversation, in no wire's terms."""

from dataclasses import dataclass
from typing import Any

from openconvai.audio.formats import AudioFormat


@dataclass(frozen=True)
class StartRequest:
    """What a transport knows when a conversation is asked for, in no wire's terms."""

    agent_id: str | None
    # The client's `conversation_initiation_client_data` (dynamic variables, overrides, ...).
    initiation: dict[str, Any]
    conversation_signature: str | None = None
    token: str | None = None
    origin: str | None = None
    # A self-hosted client's whole agent (`enclave_setup_config`).
    enclave: dict[str, Any] | None = None
    # A wire with a fixed audio format (a phone line) sets these; else the agent's apply.
    input_format: AudioFormat | None = None
    output_format: AudioFormat | None = None
    caller_id: str | None = None
    called_number: str | None = None
