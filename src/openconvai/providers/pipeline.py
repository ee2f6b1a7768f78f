"""The providers one conversation uses."""

from dataclasses import dataclass

from openconvai.providers.llm.base import LanguageModel
from openconvai.providers.stt.base import SpeechToText
from openconvai.providers.tts.base import TextToSpeech
from openconvai.providers.vad.base import VoiceActivityDetector


@dataclass(frozen=True)
class Pipeline:
    """The providers one conversation uses (shared instances)."""

    vad: VoiceActivityDetector
    stt: SpeechToText
    llm: LanguageModel
    tts: TextToSpeech
