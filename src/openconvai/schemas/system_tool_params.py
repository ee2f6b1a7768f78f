"""The ``params`` of system tool configs, one model per ``system_tool_type``."""

from __future__ import annotations

from typing import Annotated, Literal, TypeAlias

from pydantic import Field

from openconvai.schemas.base import ContractModel

TransferType: TypeAlias = Literal["blind", "conference", "sip_refer"]


# --- System tools -------------------------------------------------------------------------


class EndCallToolConfig(ContractModel):
    """Lets the agent end the call."""

    system_tool_type: Literal["end_call"]


class LanguageDetectionToolConfig(ContractModel):
    """Lets the agent switch to the language the user speaks."""

    system_tool_type: Literal["language_detection"]


class AgentTransfer(ContractModel):
    """A rule for handing the conversation to another agent."""

    # Required in the OA; SDK 2.78 makes it optional (workflow node transfers).
    agent_id: str | None = None
    condition: str
    delay_ms: int = 0
    transfer_message: str | None = None
    enable_transferred_agent_first_message: bool = False


class TransferToAgentToolConfig(ContractModel):
    """Lets the agent hand the conversation to another agent."""

    system_tool_type: Literal["transfer_to_agent"]
    transfers: list[AgentTransfer]


class PhoneNumberTransferDestination(ContractModel):
    """A phone number to transfer a call to."""

    type: Literal["phone"]
    phone_number: str


class SIPUriTransferDestination(ContractModel):
    """A SIP URI to transfer a call to."""

    type: Literal["sip_uri"]
    sip_uri: str


class PhoneNumberDynamicVariableTransferDestination(ContractModel):
    """A phone number taken from a dynamic variable (SDK 2.78 only)."""

    type: Literal["phone_dynamic_variable"]
    phone_number: str


class SIPUriDynamicVariableTransferDestination(ContractModel):
    """A SIP URI taken from a dynamic variable (SDK 2.78 only)."""

    type: Literal["sip_uri_dynamic_variable"]
    sip_uri: str


TransferDestination: TypeAlias = Annotated[
    PhoneNumberTransferDestination
    | SIPUriTransferDestination
    | PhoneNumberDynamicVariableTransferDestination
    | SIPUriDynamicVariableTransferDestination,
    Field(discriminator="type"),
]


class PhoneNumberTransfer(ContractModel):
    """A rule for transferring a phone call to a number or SIP URI."""

    transfer_destination: TransferDestination | None = None
    phone_number: str | None = Field(default=None, description="Deprecated")
    condition: str
    transfer_type: TransferType = "conference"


class TransferToNumberToolConfig(ContractModel):
    """Lets the agent transfer a phone call."""

    system_tool_type: Literal["transfer_to_number"]
    transfers: list[PhoneNumberTransfer]
    enable_client_message: bool = Field(
        default=True, description="Play a message to the caller while the transfer connects"
    )


class SkipTurnToolConfig(ContractModel):
    """Lets the agent stay silent for a turn when the user wants time to think."""

    system_tool_type: Literal["skip_turn"]


class PlayDTMFToolConfig(ContractModel):
    """Lets the agent play keypad (DTMF) tones during a phone call."""

    system_tool_type: Literal["play_keypad_touch_tone"]


class VoicemailDetectionToolConfig(ContractModel):
    """Lets the agent react to reaching a voicemail system."""

    system_tool_type: Literal["voicemail_detection"]
    voicemail_message: str | None = Field(
        default=None, description="Message to leave; if unset the call just ends"
    )


class EndProcedureToolConfig(ContractModel):
    """Ends a procedure (SDK 2.78 only; its fields are kept as extras)."""

    system_tool_type: Literal["end_procedure"]


class StartProcedureToolConfig(ContractModel):
    """Starts a procedure (SDK 2.78 only; its fields are kept as extras)."""

    system_tool_type: Literal["start_procedure"]


class KnowledgeBaseToolConfig(ContractModel):
    """Knowledge base search as a tool (SDK 2.78 only; its fields are kept as extras)."""

    system_tool_type: Literal["knowledge_base"]


class KnowledgeBaseRagToolConfig(ContractModel):
    """RAG retrieval as a tool (SDK 2.78 only)."""

    system_tool_type: Literal["knowledge_base_rag"]


SystemToolParams: TypeAlias = Annotated[
    EndCallToolConfig
    | LanguageDetectionToolConfig
    | TransferToAgentToolConfig
    | TransferToNumberToolConfig
    | SkipTurnToolConfig
    | PlayDTMFToolConfig
    | VoicemailDetectionToolConfig
    | EndProcedureToolConfig
    | StartProcedureToolConfig
    | KnowledgeBaseToolConfig
    | KnowledgeBaseRagToolConfig,
    Field(discriminator="system_tool_type"),
]
