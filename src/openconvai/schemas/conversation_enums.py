"""The enumerations of an agent's ``conversation_config``: the OA values plus SDK 2.78's."""

from typing import Literal, TypeAlias

# --- Enums --------------------------------------------------------------------------------

AudioFormat: TypeAlias = Literal[
    "pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_44100", "pcm_48000", "ulaw_8000"
]
"""Raw audio on the wire: 16-bit mono PCM at the given rate, or 8 kHz mu-law."""
ASRInputFormat: TypeAlias = AudioFormat
TTSOutputFormat: TypeAlias = AudioFormat

ASRQuality: TypeAlias = Literal["high"]
# "realtime_scribe_v1" is OA only; "scribe_realtime" and "scribe_v2_turbo" are SDK 2.78 only.
ASRProvider: TypeAlias = Literal[
    "elevenlabs", "realtime_scribe_v1", "scribe_realtime", "scribe_v2_turbo"
]
TurnMode: TypeAlias = Literal["silence", "turn"]
TurnEagerness: TypeAlias = Literal["patient", "normal", "eager"]

# The first four are the OA enum; the rest are SDK 2.78 additions.
TTSModel: TypeAlias = Literal[
    "eleven_turbo_v2",
    "eleven_turbo_v2_5",
    "eleven_flash_v2",
    "eleven_flash_v2_5",
    "eleven_multilingual_v2",
    "eleven_v3_conversational",
    "eleven_v4",
    "eleven_v4_turbo",
]
TTSConversationalModel: TypeAlias = TTSModel
TTSModelFamily: TypeAlias = Literal[
    "turbo", "flash", "multilingual", "v3_conversational", "v4", "v4_turbo"
]
TTSOptimizeStreamingLatency: TypeAlias = Literal[0, 1, 2, 3, 4]

# OA enum plus SDK 2.78 additions plus the extra names the JS SDK (@elevenlabs/types) sends.
ClientEvent: TypeAlias = Literal[
    "conversation_initiation_metadata",
    "asr_initiation_metadata",
    "ping",
    "audio",
    "interruption",
    "user_transcript",
    "tentative_user_transcript",
    "agent_response",
    "agent_response_correction",
    "client_tool_call",
    "mcp_tool_call",
    "mcp_connection_status",
    "agent_tool_request",
    "agent_tool_response",
    "agent_tool_response_full_payload",
    "agent_response_metadata",
    "vad_score",
    "agent_chat_response_part",
    "client_error",
    "guardrail_triggered",
    "dtmf_request",
    "agent_response_complete",
    "context_usage",
    "internal_turn_probability",
    "internal_tentative_agent_response",
    "agent_reasoning_response_part",
    "rich_content",
    "agent_typing",
    "external_agent_connected",
    "external_agent_disconnected",
]

# SDK 2.78's list, a superset of the OA enum.
LLM: TypeAlias = Literal[
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4",
    "gpt-4-turbo",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5.1",
    "gpt-5.2",
    "gpt-5.2-chat-latest",
    "gpt-5.4",
    "gpt-5.4-mini",
    "gpt-5.4-nano",
    "gpt-5.5",
    "gpt-5.6-sol",
    "gpt-5.6-terra",
    "gpt-5.6-luna",
    "gpt-6-astra",
    "gpt-6-sol",
    "gpt-6-luna",
    "gpt-6.1-sol",
    "gpt-6.1-terra",
    "gpt-5-mini",
    "gpt-5-nano",
    "gpt-3.5-turbo",
    "gemini-1.5-pro",
    "gemini-1.5-flash",
    "gemini-2.0-flash",
    "gemini-2.0-flash-lite",
    "gemini-2.5-flash-lite",
    "gemini-2.5-flash",
    "gemini-3-pro-preview",
    "gemini-3-flash-preview",
    "gemini-3.1-pro-preview",
    "gemini-3.1-flash-lite-preview",
    "gemini-3.1-flash-lite",
    "gemini-3.5-flash",
    "gemini-3.5-flash-lite",
    "gemini-3.6-flash",
    "gemini-3.7-flash",
    "gemini-3.8-flash",
    "gemini-4-argon",
    "claude-sonnet-4-5",
    "claude-opus-4-6",
    "claude-opus-4-7",
    "claude-opus-4-8",
    "claude-opus-5",
    "claude-opus-5-5",
    "claude-sonnet-4-6",
    "claude-sonnet-5",
    "claude-sonnet-5-5",
    "claude-sonnet-4",
    "claude-haiku-4-5",
    "claude-haiku-5-5",
    "claude-3-7-sonnet",
    "claude-3-5-sonnet",
    "claude-3-5-sonnet-v1",
    "claude-3-haiku",
    "grok-beta",
    "custom-llm",
    "qwen3-4b",
    "qwen3-30b-a3b",
    "qwen36-35b-a3b",
    "qwen35-397b-a17b",
    "gpt-oss-20b",
    "gpt-oss-120b",
    "glm-45-air-fp8",
    "glm-52",
    "deepseek-v41-flash",
    "nemotron-35-super-vl-nvfp4",
    "gemini-2.5-flash-preview-09-2025",
    "gemini-2.5-flash-lite-preview-09-2025",
    "gemini-2.5-flash-preview-05-20",
    "gemini-2.5-flash-preview-04-17",
    "gemini-2.5-flash-lite-preview-06-17",
    "gemini-2.0-flash-lite-001",
    "gemini-2.0-flash-001",
    "gemini-1.5-flash-002",
    "gemini-1.5-flash-001",
    "gemini-1.5-pro-002",
    "gemini-1.5-pro-001",
    "claude-sonnet-4@20250514",
    "claude-sonnet-4-5@20250929",
    "claude-haiku-4-5@20251001",
    "claude-3-7-sonnet@20250219",
    "claude-3-5-sonnet@20240620",
    "claude-3-5-sonnet-v2@20241022",
    "claude-3-haiku@20240307",
    "gpt-5-2025-08-07",
    "gpt-5.1-2025-11-13",
    "gpt-5.2-2025-12-11",
    "gpt-5.4-2026-03-05",
    "gpt-5.4-mini-2026-03-17",
    "gpt-5.4-nano-2026-03-17",
    "gpt-5.5-2026-04-23",
    "gpt-5-mini-2025-08-07",
    "gpt-5-nano-2025-08-07",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "gpt-4o-mini-2024-07-18",
    "gpt-4o-2024-11-20",
    "gpt-4o-2024-08-06",
    "gpt-4o-2024-05-13",
    "gpt-4-0613",
    "gpt-4-0314",
    "gpt-4-turbo-2024-04-09",
    "gpt-3.5-turbo-0125",
    "gpt-3.5-turbo-1106",
    "watt-tool-8b",
    "watt-tool-70b",
]

EmbeddingModel: TypeAlias = Literal["e5_mistral_7b_instruct", "multilingual_e5_large_instruct"]
# "folder" is SDK 2.78 only.
KnowledgeBaseDocumentType: TypeAlias = Literal["file", "url", "text", "folder"]
DocumentUsageMode: TypeAlias = Literal["prompt", "auto"]
