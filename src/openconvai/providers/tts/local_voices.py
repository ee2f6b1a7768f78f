"""The local voices an agent can pick by `tts.voice_id`: Piper voices and eSpeak NG.

A voice id that is not local (an ElevenLabs id such as a new agent's default) is spoken
by the best local voice for the agent's language: Piper where it has one, else eSpeak NG.
"""

from collections.abc import AsyncIterator

import numpy as np

from openconvai.audio.resample import StreamResampler
from openconvai.providers.tts.base import Voice
from openconvai.providers.tts.espeak import EspeakSynthesizer
from openconvai.providers.tts.piper_voice import PiperSynthesizer
from openconvai.providers.vad.base import Frame

ESPEAK_VOICE_ID = "espeak-ng"
SAMPLE_RATE = 22050


class UnsupportedVoice(ValueError):
    """No local voice speaks the agent's language."""


class LocalVoices:
    """Routes each utterance to the local voice its `Voice` asks for, at one sample rate."""

    def __init__(self, piper: dict[str, PiperSynthesizer], espeak: EspeakSynthesizer | None):
        self._piper = piper
        self._espeak = espeak

    @property
    def sample_rate(self) -> int:
        """22.05 kHz: Piper's medium voices and eSpeak NG's native rate."""
        return SAMPLE_RATE

    def voice_ids(self) -> list[str]:
        """Ids an agent can put in `tts.voice_id` for a local voice."""
        return [*self._piper, *([ESPEAK_VOICE_ID] if self._espeak else [])]

    async def check(self, voice: Voice) -> None:
        """Raise `UnsupportedVoice` when no local voice can speak `voice.language`."""
        await self._pick(voice)

    async def synthesize(self, text: str, voice: Voice) -> AsyncIterator[Frame]:
        """Audio of `text` in the chosen local voice, at `sample_rate`."""
        synthesizer = await self._pick(voice)
        resampler = StreamResampler(synthesizer.sample_rate, SAMPLE_RATE)
        async for chunk in synthesizer.synthesize(text, voice):
            converted = resampler.process(chunk)
            if converted.size:
                yield converted
        tail = resampler.flush() if not resampler.passthrough else np.zeros(0, dtype=np.int16)
        if tail.size:
            yield tail

    async def _pick(self, voice: Voice) -> PiperSynthesizer | EspeakSynthesizer:
        language = (voice.language or "en").split("-")[0].lower()
        chosen = self._piper.get(voice.voice_id)
        if chosen is not None and chosen.language == language:
            return chosen
        if voice.voice_id != ESPEAK_VOICE_ID:
            for piper in self._piper.values():
                if piper.language == language:
                    return piper
        if self._espeak is not None and language in await self._espeak.languages():
            return self._espeak
        raise UnsupportedVoice(f"no local voice speaks {voice.language!r}")
