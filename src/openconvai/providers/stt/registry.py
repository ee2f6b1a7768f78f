"""Which recognizer transcribes users, keyed by the server's `asr_provider` setting.

`local` is the embedded Whisper model (the scripted recognizer when it is not installed);
`deepgram` and `openai` are those vendors' live and transcription APIs, each needing its key.
"""

from collections.abc import Callable
from dataclasses import dataclass

from openconvai.providers.access import VENDOR_NAMES, Access, ProviderAccess, Vendor
from openconvai.providers.errors import MissingCredentials
from openconvai.providers.local import LocalModels
from openconvai.providers.shared_clients import SharedClients
from openconvai.providers.stt.base import SpeechToText
from openconvai.providers.stt.scripted import ToneCodeStt

LOCAL = "local"


def _deepgram(access: Access) -> SpeechToText:
    from openconvai.providers.stt.deepgram_live import DeepgramStt

    return DeepgramStt(access)


def _openai_transcribe(access: Access) -> SpeechToText:
    from openconvai.providers.stt.openai_transcribe import OpenAiStt

    return OpenAiStt(access)


@dataclass(frozen=True)
class CloudRecognizer:
    """A vendor's recognizer: the vendor, the name its shared client is cached under, and
    how to build that client from the account's access."""

    vendor: Vendor
    client_kind: str
    build: Callable[[Access], SpeechToText]


# The cloud values of the `asr_provider` setting (the other one is `local`).
CLOUD_RECOGNIZERS: dict[str, CloudRecognizer] = {
    "deepgram": CloudRecognizer("deepgram", "deepgram", _deepgram),
    "openai": CloudRecognizer("openai", "openai-stt", _openai_transcribe),
}


class SttRegistry:
    """The recognizers of one process: cloud clients per account, the embedded and
    scripted ones."""

    def __init__(self, local: LocalModels, clients: SharedClients) -> None:
        self._local = local
        self._clients = clients
        self.scripted = ToneCodeStt()

    def for_setting(self, choice: str, access: ProviderAccess) -> SpeechToText:
        """The recognizer `asr_provider` names; `MissingCredentials` if its vendor has no key."""
        if choice == LOCAL:
            return self._local.stt() or self.scripted
        recognizer = CLOUD_RECOGNIZERS[choice]
        vendor = recognizer.vendor
        vendor_access = access.vendor(vendor)
        if vendor_access is None:
            raise MissingCredentials(
                f"speech recognition is set to {choice} but no {VENDOR_NAMES[vendor]} key is "
                f"configured (OPENCONVAI_{vendor.upper()}_API_KEY or a workspace secret)"
            )
        return self._clients.get(
            recognizer.client_kind, vendor_access, lambda: recognizer.build(vendor_access)
        )
