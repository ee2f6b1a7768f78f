"""The providers one conversation uses, and the check that they can serve its language."""

from dataclasses import dataclass

from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.base import LanguageModel
from openconvai.providers.stt.base import KnowsLanguages, SpeechToText
from openconvai.providers.tts.base import ChecksVoices, TextToSpeech, Voice
from openconvai.providers.vad.base import VoiceActivityDetector


@dataclass(frozen=True)
class Pipeline:
    """The providers one conversation uses (shared instances)."""

    vad: VoiceActivityDetector
    stt: SpeechToText
    llm: LanguageModel
    tts: TextToSpeech


async def check_language(pipeline: Pipeline, voice: Voice, *, text_only: bool) -> None:
    """Refuse, before the conversation starts, a language the pipeline cannot hear or speak."""
    language = (voice.language or "en").split("-")[0].lower()
    stt = pipeline.stt
    if not text_only and isinstance(stt, KnowsLanguages) and language not in stt.languages():
        raise ProviderError(
            "value_error",
            f"the local speech recognizer does not understand {voice.language!r}",
        )
    if isinstance(pipeline.tts, ChecksVoices) and not text_only:
        try:
            await pipeline.tts.check(voice)
        except ValueError as exc:
            raise ProviderError("value_error", str(exc)) from exc
