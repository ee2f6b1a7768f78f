"""Which provider serves an agent: registries per family, filled from settings."""

import logging
from typing import Any

from openconvai.conversation.session import Pipeline
from openconvai.providers.llm.base import LanguageModel
from openconvai.providers.llm.scripted import ScriptedLlm
from openconvai.providers.registry import Registry
from openconvai.providers.stt.base import SpeechToText
from openconvai.providers.stt.scripted import ToneCodeStt
from openconvai.providers.tts.base import TextToSpeech
from openconvai.providers.tts.scripted import ToneCodeTts
from openconvai.providers.vad.base import VoiceActivityDetector
from openconvai.providers.vad.energy import EnergyVad
from openconvai.settings import Settings

logger = logging.getLogger(__name__)


class ProviderCatalog:
    """The provider registries of one process; models load once and serve every call."""

    def __init__(self, settings: Settings) -> None:
        self.vad: Registry[VoiceActivityDetector] = Registry("vad")
        self.stt: Registry[SpeechToText] = Registry("asr")
        self.llm: Registry[LanguageModel] = Registry("llm")
        self.tts: Registry[TextToSpeech] = Registry("tts")
        self.vad.register("energy", EnergyVad, fallback=True)
        # The scripted pipeline answers whatever no other provider claims. Until local
        # models are installed that is every name, so a fresh server still converses.
        self.stt.register("scripted", ToneCodeStt, fallback=True)
        self.llm.register(
            "scripted",
            lambda: ScriptedLlm(
                reply=settings.scripted_reply,
                first_token_ms=settings.scripted_llm_first_token_ms,
                token_ms=settings.scripted_llm_token_ms,
            ),
            fallback=True,
        )
        self.tts.register(
            "scripted",
            lambda: ToneCodeTts(
                audio_ms=settings.scripted_audio_ms,
                first_chunk_delay_ms=settings.scripted_tts_delay_ms,
            ),
            fallback=True,
        )
        self._scripted_only = settings.scripted_providers

    def pipeline_for(self, conversation_config: dict[str, Any]) -> Pipeline:
        """The providers an (effective) agent config names."""
        if self._scripted_only:
            names = ("energy", "scripted", "scripted", "scripted")
        else:
            prompt = conversation_config["agent"]["prompt"]
            llm = "custom-llm" if prompt.get("custom_llm") else str(prompt["llm"])
            names = (
                "energy",
                str(conversation_config["asr"]["provider"]),
                llm,
                str(conversation_config["tts"]["model_id"]),
            )
        return Pipeline(
            vad=self.vad.resolve(names[0]),
            stt=self.stt.resolve(names[1]),
            llm=self.llm.resolve(names[2]),
            tts=self.tts.resolve(names[3]),
        )
