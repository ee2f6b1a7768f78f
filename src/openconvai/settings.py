"""All configuration, read from `OPENCONVAI_*` environment variables (documented in README)."""

import socket
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from openconvai.analysis.pricing import ModelPrice


class Settings(BaseSettings):
    """Server configuration. Every field maps to `OPENCONVAI_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="OPENCONVAI_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(8000, ge=0, le=65535, description="Port `serve` listens on.")
    data_dir: Path = Field(
        Path("data"), description="Where the SQLite store, encryption key and files live."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store; default SQLite in the data directory. "
        "PostgreSQL: postgresql+asyncpg://user:pass@host/db",
    )
    admin_api_key: SecretStr | None = Field(
        None,
        description="On a first start with an empty store, this becomes the admin API key "
        "instead of a random one.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Fernet key that encrypts workspace secrets at rest; default a key "
        "generated into the data directory on first start.",
    )
    public_base_url: str | None = Field(
        None,
        description="Base URL clients reach this server at (for links it hands out); "
        "default derived from each request.",
    )
    max_request_bytes: int = Field(
        2 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 beyond)."
    )
    log_level: str = Field("info", description="Log level: debug, info, warning, error.")
    signing_key: SecretStr | None = Field(
        None,
        description="Key that signs conversation URLs and tokens; default a key generated "
        "into the data directory. Servers sharing a store must share it.",
    )
    node_id: str | None = Field(
        None,
        description="Name of this server process among several sharing a store; default "
        "host:port. Conversations it left open when it crashed are failed on its restart.",
    )
    allow_client_agent_config: bool = Field(
        True,
        description="Accept self-hosted mode: a client sending the whole agent config in an "
        "`enclave_setup_config` message, with no agent stored here.",
    )
    outbound_allowed_networks: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=list,
        description="Networks (comma-separated CIDRs, e.g. `10.20.0.0/16,::1/128`) that "
        "workspace-supplied URLs (webhook tools, MCP servers, ...) may reach although "
        "they are loopback, private, link-local, CGNAT or cloud metadata addresses; default "
        "none, only public addresses.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis shared by several server processes (concurrency limits across "
        "them); default in-process.",
    )
    redis_prefix: str = Field("openconvai", description="Prefix of every Redis key.")
    max_conversations: int = Field(
        100,
        ge=1,
        description="Most conversations this process holds at once. Measured on one core "
        "with instant providers: 0.7-0.9 % of it per talking conversation, so 100 leave "
        "headroom; more are refused with close code 1013 rather than slowing every live "
        "call down.",
    )
    ping_interval_secs: float = Field(
        5.0, gt=0, description="Seconds between pings on a conversation socket."
    )
    scripted_providers: bool = Field(
        False,
        description="Use the deterministic scripted providers (tone-code speech, scripted "
        "replies) for every agent: tests and benchmarks of the platform alone.",
    )
    scripted_reply: str = Field(
        "You said: {user}", description="The scripted LLM's reply; {user} is the user's turn."
    )
    scripted_audio_ms: int | None = Field(
        None, ge=1, description="Fixed length of each scripted TTS utterance, in ms."
    )
    scripted_llm_first_token_ms: int = Field(
        0, ge=0, description="Scripted LLM: first-token delay."
    )
    scripted_llm_token_ms: int = Field(0, ge=0, description="Scripted LLM: delay between tokens.")
    scripted_tts_delay_ms: int = Field(0, ge=0, description="Scripted TTS: synthesis delay.")

    speculative_replies: bool = Field(
        True,
        description="Start replying at the user's first pause (discarded if they go on): "
        "faster replies, at the cost of LLM tokens spent on discarded starts.",
    )
    mcp_approval_timeout_secs: float = Field(
        30.0,
        gt=0,
        le=600,
        description="How long an MCP tool call that needs approval waits for the client's "
        "decision before it is refused.",
    )
    max_tool_rounds: int = Field(
        5,
        ge=0,
        le=50,
        description="Tool-call rounds per agent turn; after them the LLM answers without tools.",
    )

    # --- the embedded offline pipeline ---
    local_models: bool = Field(
        True,
        description="Serve agents with the embedded local models where installed "
        "(`openconvai models install`); off, the scripted providers answer instead.",
    )
    models_dir: Path | None = Field(
        None, description="Where embedded models are joined and cached; default DATA_DIR/models."
    )
    local_llm_model: Path | None = Field(
        None, description="GGUF file the local LLM runs; default the embedded Qwen2.5 0.5B."
    )
    local_llm_context: int = Field(4096, ge=512, description="Local LLM context (tokens).")
    local_llm_parallel: int = Field(
        4, ge=1, description="Conversations the local LLM generates for at once."
    )
    local_whisper_model: str = Field(
        "base",
        description="Whisper model of the local recognizer: `base` (embedded), a directory "
        "holding a CTranslate2 Whisper model, or a size name faster-whisper can download.",
    )
    local_piper_voice: Path | None = Field(
        None, description="Piper voice (.onnx, its .onnx.json beside it) added to the local voices."
    )
    local_threads: int | None = Field(
        None, ge=1, description="CPU threads each local model may use; default all cores."
    )
    local_queue_limit: int = Field(
        16,
        ge=1,
        description="Inference jobs one local model queues before refusing more (an error "
        "event rather than a reply that arrives too late to matter).",
    )

    # --- cloud vendors: keys (a workspace secret named like the variable also works) ---
    openai_api_key: SecretStr | None = Field(
        None, description="OpenAI key (GPT models, OpenAI TTS and transcription)."
    )
    openai_base_url: str | None = Field(
        None, description="OpenAI API base URL; default the vendor's."
    )
    anthropic_api_key: SecretStr | None = Field(None, description="Anthropic key (Claude models).")
    anthropic_base_url: str | None = Field(
        None, description="Anthropic API base URL; default the vendor's."
    )
    google_api_key: SecretStr | None = Field(None, description="Google AI key (Gemini models).")
    google_base_url: str | None = Field(
        None, description="Gemini API base URL; default the vendor's."
    )
    elevenlabs_api_key: SecretStr | None = Field(
        None, description="ElevenLabs key (ElevenLabs voices)."
    )
    elevenlabs_base_url: str | None = Field(
        None, description="ElevenLabs API base URL; default the vendor's."
    )
    deepgram_api_key: SecretStr | None = Field(
        None, description="Deepgram key (Deepgram live transcription)."
    )
    deepgram_base_url: str | None = Field(
        None, description="Deepgram API base URL; default the vendor's."
    )
    asr_provider: Literal["local", "deepgram", "openai"] = Field(
        "local",
        description="Who transcribes users: the embedded Whisper (`local`), Deepgram's live "
        "API or OpenAI's transcription API (each needs its key).",
    )
    llm_timeout_secs: float = Field(
        10.0, gt=0, description="A cloud LLM that sends nothing for this long has failed the turn."
    )

    llm_prices: dict[str, ModelPrice] = Field(
        default_factory=dict,
        description="LLM prices that replace or extend the built-in list prices, as JSON: "
        '{"model": {"input": USD per 1M input tokens, "output": USD per 1M output tokens}}.',
    )

    @field_validator("outbound_allowed_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        """`OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS` is a comma-separated list, not JSON."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def resolved_node_id(self) -> str:
        """This process's name among servers sharing the store."""
        return self.node_id or f"{socket.gethostname()}:{self.port}"

    @cached_property
    def resolved_database_url(self) -> str:
        """The store URL: the configured one, or SQLite inside the data directory."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'openconvai.db').resolve()}"


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and pick the async driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url
