"""Which provider serves an agent: the embedded models, a cloud vendor, or the scripted ones.

- The LLM: `custom_llm` goes to the agent's own OpenAI-compatible server; a cloud model
  goes to its vendor when the workspace has the vendor's key; the default model of a new
  agent (and the open-weight names) runs on the embedded llama.cpp model when there is no
  key, so a server with no keys still converses. Any other cloud model without a key is
  refused with a message saying which key is missing.
- The voice: a local voice id, `openai:<voice>` for OpenAI TTS, and any other id on
  ElevenLabs when there is an ElevenLabs key, else the local voice for the language.
- Speech recognition: the server's `asr_provider` setting.
- When a local model is not installed its family falls back to the scripted provider,
  which keeps the platform usable (and testable) before `openconvai models install`.
"""

import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from openconvai.providers.access import Access, Vendor
from openconvai.providers.errors import MissingCredentials, ProviderError
from openconvai.providers.llm.base import LanguageModel, LlmEvent, LlmRequest, Usage
from openconvai.providers.llm.cascade import CascadingLlm
from openconvai.providers.llm.scripted import ScriptedLlm
from openconvai.providers.llm.vendors import cloud_route
from openconvai.providers.local import LocalModels
from openconvai.providers.pipeline import Pipeline, check_language
from openconvai.providers.stt.base import SpeechToText
from openconvai.providers.stt.scripted import ToneCodeStt
from openconvai.providers.tts.base import TextToSpeech
from openconvai.providers.tts.scripted import ToneCodeTts
from openconvai.providers.vad.energy import EnergyVad
from openconvai.settings import Settings

__all__ = [
    "LOCAL_WHEN_UNKEYED",
    "NO_ACCESS",
    "ProviderAccess",
    "ProviderCatalog",
    "RenamedModel",
    "check_language",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Served by the embedded model when the workspace has no key for their vendor: the model
# a new agent gets by default. Every other cloud model needs its vendor's key.
LOCAL_WHEN_UNKEYED = frozenset({"gemini-2.0-flash"})
OPENAI_VOICE_PREFIX = "openai:"
_VENDOR_NAMES = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google (Gemini)",
    "elevenlabs": "ElevenLabs",
    "deepgram": "Deepgram",
}


class ProviderAccess:
    """The vendor accounts one workspace may use, from settings or its secrets."""

    def __init__(self, vendors: dict[Vendor, Access], custom_llm: Access | None = None):
        self._vendors = vendors
        self.custom_llm = custom_llm

    def vendor(self, vendor: Vendor) -> Access | None:
        """The vendor's access if it has a key."""
        access = self._vendors.get(vendor)
        return access if access is not None and access.api_key else None


NO_ACCESS = ProviderAccess({})


class ProviderCatalog:
    """Every provider of one process; models and SDK clients are built once and shared."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.local = LocalModels(settings)
        self._scripted_llm = ScriptedLlm(
            reply=settings.scripted_reply,
            first_token_ms=settings.scripted_llm_first_token_ms,
            token_ms=settings.scripted_llm_token_ms,
        )
        self._scripted_tts = ToneCodeTts(
            audio_ms=settings.scripted_audio_ms,
            first_chunk_delay_ms=settings.scripted_tts_delay_ms,
        )
        self._scripted_stt = ToneCodeStt()
        self._energy_vad = EnergyVad()
        self._clients: dict[tuple[str, Access], object] = {}
        self._lock = threading.Lock()

    def preload(self) -> None:
        """Load the embedded models now rather than on the first conversation."""
        if not self.settings.scripted_providers:
            self.local.preload()

    def pipeline_for(
        self, conversation_config: dict[str, Any], access: ProviderAccess = NO_ACCESS
    ) -> Pipeline:
        """The providers an (effective) agent config gets; `ProviderError` if it cannot run."""
        if self.settings.scripted_providers:
            return Pipeline(
                self._energy_vad, self._scripted_stt, self._scripted_llm, self._scripted_tts
            )
        return Pipeline(
            vad=self.local.vad() or self._energy_vad,
            stt=self._stt(access),
            llm=self.llm_for(conversation_config, access),
            tts=self._tts(conversation_config, access),
        )

    def llm_for(self, conversation_config: dict[str, Any], access: ProviderAccess) -> LanguageModel:
        """The agent's LLM with its backups; `MissingCredentials` when its vendor has no key.

        `agent.prompt.backup_llm_config` (as the SDK sends it) picks the backups: `disabled`,
        `override` with an `order` of model names (those without a key are skipped), or
        `default`: the embedded model, when the agent's own model is a cloud one.
        """
        prompt = conversation_config["agent"]["prompt"]
        name = str(prompt.get("llm"))
        custom = bool(prompt.get("custom_llm")) or name == "custom-llm"
        primary = self._custom_llm(prompt, access) if custom else self._named_llm(name, access)
        backups: list[LanguageModel] = []
        backup_config = prompt.get("backup_llm_config") or {}
        preference = backup_config.get("preference", "default")
        if preference == "override":
            for backup in backup_config.get("order") or ():
                try:
                    backups.append(self._named_llm(str(backup), access))
                except MissingCredentials as exc:
                    logger.info("backup LLM skipped: %s", exc.message)
        elif preference != "disabled":
            local = self.local.llm()
            if local is not None and primary is not local:
                backups.append(local)
        timeout = prompt.get("cascade_timeout_seconds") or self.settings.llm_timeout_secs
        return CascadingLlm(
            [primary, *(b for b in backups if b is not primary)],
            timeout_secs=float(timeout),
            error_type="custom_llm_error" if custom else "llm_error",
        )

    def check_credentials(
        self, conversation_config: dict[str, Any], access: ProviderAccess
    ) -> None:
        """Raise `MissingCredentials` if the agent's LLM or voice needs a key nobody set."""
        if self.settings.scripted_providers:
            return
        prompt = conversation_config["agent"]["prompt"]
        name = str(prompt.get("llm"))
        if not prompt.get("custom_llm") and name != "custom-llm":
            _require_key(name, access)
        voice_id = str(conversation_config["tts"]["voice_id"])
        if voice_id.startswith(OPENAI_VOICE_PREFIX) and access.vendor("openai") is None:
            raise MissingCredentials(_missing_voice_key(voice_id))

    def _named_llm(self, name: str, access: ProviderAccess) -> LanguageModel:
        route = _require_key(name, access)
        if route is not None:
            vendor, model_id, vendor_access = route
            return RenamedModel(self._cloud_llm(vendor, vendor_access), model_id)
        return self.local.llm() or self._scripted_llm

    def _custom_llm(self, prompt: dict[str, Any], access: ProviderAccess) -> LanguageModel:
        custom = access.custom_llm
        if custom is None or not custom.base_url:
            raise ProviderError(
                "custom_llm_error", "the agent uses custom-llm but custom_llm.url is not set"
            )
        from openconvai.providers.llm.openai_chat import OpenAiChatLlm
        from openconvai.providers.llm.text_tool_calls import LenientToolCalls

        model_id = (prompt.get("custom_llm") or {}).get("model_id") or "custom-llm"
        timeout = self.settings.llm_timeout_secs
        client = self._client(
            "custom-llm",
            custom,
            # Self-hosted models often write tool calls as JSON text: accept those too.
            lambda: LenientToolCalls(
                OpenAiChatLlm(custom, timeout_secs=timeout, error_type="custom_llm_error")
            ),
        )
        return RenamedModel(client, str(model_id))

    def _cloud_llm(self, vendor: Vendor, access: Access) -> LanguageModel:
        timeout = self.settings.llm_timeout_secs
        if vendor == "anthropic":
            from openconvai.providers.llm.anthropic_messages import AnthropicLlm

            return self._client(vendor, access, lambda: AnthropicLlm(access, timeout_secs=timeout))
        if vendor == "google":
            from openconvai.providers.llm.gemini import GeminiLlm

            return self._client(vendor, access, lambda: GeminiLlm(access, timeout_secs=timeout))
        from openconvai.providers.llm.openai_chat import OpenAiChatLlm

        return self._client(vendor, access, lambda: OpenAiChatLlm(access, timeout_secs=timeout))

    def _stt(self, access: ProviderAccess) -> SpeechToText:
        choice = self.settings.asr_provider
        if choice == "local":
            return self.local.stt() or self._scripted_stt
        vendor: Vendor = "deepgram" if choice == "deepgram" else "openai"
        vendor_access = access.vendor(vendor)
        if vendor_access is None:
            raise MissingCredentials(
                f"speech recognition is set to {choice} but no {_VENDOR_NAMES[vendor]} key is "
                f"configured (OPENCONVAI_{vendor.upper()}_API_KEY or a workspace secret)"
            )
        if vendor == "deepgram":
            from openconvai.providers.stt.deepgram_live import DeepgramStt

            return self._client("deepgram", vendor_access, lambda: DeepgramStt(vendor_access))
        from openconvai.providers.stt.openai_transcribe import OpenAiStt

        return self._client("openai-stt", vendor_access, lambda: OpenAiStt(vendor_access))

    def _tts(self, conversation_config: dict[str, Any], access: ProviderAccess) -> TextToSpeech:
        voice_id = str(conversation_config["tts"]["voice_id"])
        local = self.local.tts()
        if local is not None and voice_id in local.voice_ids():
            return local
        if voice_id.startswith(OPENAI_VOICE_PREFIX):
            openai = access.vendor("openai")
            if openai is None:
                raise MissingCredentials(_missing_voice_key(voice_id))
            from openconvai.providers.tts.openai_tts import OpenAiTts

            return self._client("openai-tts", openai, lambda: OpenAiTts(openai))
        elevenlabs = access.vendor("elevenlabs")
        if elevenlabs is not None:
            from openconvai.providers.tts.elevenlabs_tts import ElevenLabsTts

            return self._client("elevenlabs", elevenlabs, lambda: ElevenLabsTts(elevenlabs))
        return local or self._scripted_tts

    async def aclose(self) -> None:
        """Close the SDK clients' connection pools (the process is stopping)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        local = self.local.llm() if self.local.loaded("llm") else None
        for client in [*clients, *([local] if local is not None else [])]:
            close = getattr(client, "aclose", None)
            if close is not None:
                try:
                    await close()
                except Exception:
                    logger.exception("closing a provider client failed")

    def _client(self, kind: str, access: Access, build: Callable[[], T]) -> T:
        """One SDK client per vendor account, shared by its conversations."""
        key = (kind, access)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = build()
                self._clients[key] = client
            return client  # type: ignore[return-value]


class RenamedModel:
    """Sends the vendor's model id, but reports usage under the agent's model name."""

    def __init__(self, model: LanguageModel, vendor_model: str) -> None:
        self._model = model
        self._vendor_model = vendor_model

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The wrapped model's reply to the request, under the vendor's model id."""
        vendor_request = LlmRequest(
            model=self._vendor_model,
            messages=request.messages,
            tools=request.tools,
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            extra_body=request.extra_body,
        )
        async for event in self._model.stream(vendor_request):
            if isinstance(event, Usage):
                yield Usage(request.model, event.input_tokens, event.output_tokens)
            else:
                yield event


def _require_key(name: str, access: ProviderAccess) -> tuple[Vendor, str, Access] | None:
    """The vendor, model id and access a cloud LLM name needs; None if it runs locally."""
    route = cloud_route(name)
    if route is None:
        return None
    vendor, model_id = route
    vendor_access = access.vendor(vendor)
    if vendor_access is not None:
        return vendor, model_id, vendor_access
    if name in LOCAL_WHEN_UNKEYED:
        return None
    raise MissingCredentials(_missing_key(name, vendor))


def _missing_voice_key(voice_id: str) -> str:
    return (
        f"voice {voice_id!r} is an OpenAI voice but no OpenAI key is configured "
        "(OPENCONVAI_OPENAI_API_KEY or a workspace secret OPENAI_API_KEY)"
    )


def _missing_key(llm: str, vendor: Vendor) -> str:
    return (
        f"the agent's LLM {llm!r} needs a {_VENDOR_NAMES[vendor]} API key: set "
        f"OPENCONVAI_{vendor.upper()}_API_KEY on the server or add a workspace secret named "
        f"{vendor.upper()}_API_KEY, or choose another LLM"
    )
