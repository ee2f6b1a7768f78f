"""Which providers serve an agent: one registry per family, composed into a `Pipeline`.

Each family's registry is keyed by the names the API uses (see its module):
- the LLM (`providers/llm/registry.py`): `agent.prompt.llm`, `custom-llm`, vendor routes;
- the voice (`providers/tts/registry.py`): `tts.voice_id`, local, `openai:<voice>`, ElevenLabs;
- speech recognition (`providers/stt/registry.py`): the server's `asr_provider` setting;
- voice activity (`providers/vad/registry.py`): Silero, else the energy detector.
When a local model is not installed its family falls back to the scripted provider,
which keeps the platform usable (and testable) before `openconvai models install`; the
`scripted_providers` setting makes every agent use the scripted ones.
"""

import logging

from openconvai.providers.access import NO_ACCESS, ProviderAccess
from openconvai.providers.llm.base import LanguageModel
from openconvai.providers.llm.registry import LOCAL_WHEN_UNKEYED, LlmRegistry
from openconvai.providers.llm.renamed import RenamedModel
from openconvai.providers.local import LocalModels
from openconvai.providers.pipeline import Pipeline, check_language
from openconvai.providers.shared_clients import SharedClients
from openconvai.providers.stt.registry import SttRegistry
from openconvai.providers.tts.registry import OPENAI_VOICE_PREFIX, TtsRegistry
from openconvai.providers.vad.registry import VadRegistry
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.settings import Settings

__all__ = [
    "LOCAL_WHEN_UNKEYED",
    "NO_ACCESS",
    "OPENAI_VOICE_PREFIX",
    "ProviderAccess",
    "ProviderCatalog",
    "RenamedModel",
    "check_language",
]

logger = logging.getLogger(__name__)


class ProviderCatalog:
    """Every provider of one process; models and SDK clients are built once and shared."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.local = LocalModels(settings)
        self._clients = SharedClients()
        self.vad = VadRegistry(self.local)
        self.stt = SttRegistry(self.local, self._clients)
        self.llm = LlmRegistry(settings, self.local, self._clients)
        self.tts = TtsRegistry(settings, self.local, self._clients)

    def preload(self) -> None:
        """Load the embedded models now rather than on the first conversation."""
        if not self.settings.scripted_providers:
            self.local.preload()

    def pipeline_for(
        self, conversation_config: ConversationalConfig, access: ProviderAccess = NO_ACCESS
    ) -> Pipeline:
        """The providers an (effective) agent config gets; `ProviderError` if it cannot run."""
        if self.settings.scripted_providers:
            return Pipeline(
                self.vad.energy, self.stt.scripted, self.llm.scripted, self.tts.scripted
            )
        return Pipeline(
            vad=self.vad.detector(),
            stt=self.stt.for_setting(self.settings.asr_provider, access),
            llm=self.llm_for(conversation_config, access),
            tts=self.tts.for_voice(conversation_config.tts.voice_id, access),
        )

    def llm_for(
        self, conversation_config: ConversationalConfig, access: ProviderAccess
    ) -> LanguageModel:
        """The agent's LLM with its backups; `MissingCredentials` when its vendor has no key."""
        return self.llm.for_prompt(conversation_config.agent.prompt, access)

    def check_credentials(
        self, conversation_config: ConversationalConfig, access: ProviderAccess
    ) -> None:
        """Raise `MissingCredentials` if the agent's LLM or voice needs a key nobody set."""
        if self.settings.scripted_providers:
            return
        self.llm.check_prompt(conversation_config.agent.prompt, access)
        self.tts.check_voice(conversation_config.tts.voice_id, access)

    async def aclose(self) -> None:
        """Close the SDK clients' connection pools (the process is stopping)."""
        clients = self._clients.take_all()
        local = self.local.llm() if self.local.loaded("llm") else None
        for client in [*clients, *([local] if local is not None else [])]:
            close = getattr(client, "aclose", None)
            if close is not None:
                try:
                    await close()
                except Exception:
                    logger.exception("closing a provider client failed")
