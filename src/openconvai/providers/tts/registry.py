"""Which synthesizer speaks an agent's voice, keyed by the `tts.voice_id` of the API.

- A local voice id (`en_US-joe-medium`, `espeak-ng`) is spoken by the embedded voices.
- A prefixed id goes to the prefix's vendor, which then needs its key: `openai:<voice>`
  is an OpenAI voice.
- Any other id is an ElevenLabs voice: ElevenLabs speaks it when the workspace has an
  ElevenLabs key; otherwise the local voice of the agent's language does.
- With no local voice installed, the scripted synthesizer speaks instead.
"""

from collections.abc import Callable
from dataclasses import dataclass

from openconvai.providers.access import SECRET_NAMES, VENDOR_NAMES, Access, ProviderAccess, Vendor
from openconvai.providers.errors import MissingCredentials
from openconvai.providers.local import LocalModels
from openconvai.providers.shared_clients import SharedClients
from openconvai.providers.tts.base import TextToSpeech
from openconvai.providers.tts.scripted import ToneCodeTts
from openconvai.settings import Settings

OPENAI_VOICE_PREFIX = "openai:"


def _openai_tts(access: Access) -> TextToSpeech:
    from openconvai.providers.tts.openai_tts import OpenAiTts

    return OpenAiTts(access)


def _elevenlabs_tts(access: Access) -> TextToSpeech:
    from openconvai.providers.tts.elevenlabs_tts import ElevenLabsTts

    return ElevenLabsTts(access)


@dataclass(frozen=True)
class CloudVoices:
    """A vendor's synthesizer: the vendor, the name its shared client is cached under, and
    how to build that client from the account's access."""

    vendor: Vendor
    client_kind: str
    build: Callable[[Access], TextToSpeech]


# Voice ids starting with a prefix are that vendor's; its key is required.
PREFIXED_VOICES: dict[str, CloudVoices] = {
    OPENAI_VOICE_PREFIX: CloudVoices("openai", "openai-tts", _openai_tts),
}
# Every other id that is not local: spoken there when keyed, by a local voice otherwise.
OTHER_VOICES = CloudVoices("elevenlabs", "elevenlabs", _elevenlabs_tts)


class TtsRegistry:
    """The synthesizers of one process: cloud clients per account, the embedded and
    scripted ones."""

    def __init__(self, settings: Settings, local: LocalModels, clients: SharedClients) -> None:
        self._local = local
        self._clients = clients
        self.scripted = ToneCodeTts(
            audio_ms=settings.scripted_audio_ms,
            first_chunk_delay_ms=settings.scripted_tts_delay_ms,
        )

    def for_voice(self, voice_id: str, access: ProviderAccess) -> TextToSpeech:
        """The synthesizer of `voice_id`; `MissingCredentials` if its vendor needs a key."""
        local = self._local.tts()
        if local is not None and voice_id in local.voice_ids():
            return local
        prefixed = _prefixed(voice_id)
        if prefixed is not None:
            return self._cloud(prefixed, self._require_key(voice_id, prefixed, access))
        other = access.vendor(OTHER_VOICES.vendor)
        if other is not None:
            return self._cloud(OTHER_VOICES, other)
        return local or self.scripted

    def check_voice(self, voice_id: str, access: ProviderAccess) -> None:
        """Raise `MissingCredentials` if `voice_id` needs a key nobody set."""
        prefixed = _prefixed(voice_id)
        if prefixed is not None:
            self._require_key(voice_id, prefixed, access)

    def _cloud(self, voices: CloudVoices, access: Access) -> TextToSpeech:
        return self._clients.get(voices.client_kind, access, lambda: voices.build(access))

    @staticmethod
    def _require_key(voice_id: str, voices: CloudVoices, access: ProviderAccess) -> Access:
        vendor_access = access.vendor(voices.vendor)
        if vendor_access is None:
            vendor = voices.vendor
            raise MissingCredentials(
                f"voice {voice_id!r} is an {VENDOR_NAMES[vendor]} voice but no "
                f"{VENDOR_NAMES[vendor]} key is configured (OPENCONVAI_{vendor.upper()}_API_KEY "
                f"or a workspace secret {SECRET_NAMES[vendor]})"
            )
        return vendor_access


def _prefixed(voice_id: str) -> CloudVoices | None:
    for prefix, voices in PREFIXED_VOICES.items():
        if voice_id.startswith(prefix):
            return voices
    return None
