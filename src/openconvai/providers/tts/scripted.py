"""A deterministic synthesizer: speaks text as the tone-code test signal."""

import asyncio
from collections.abc import AsyncIterator

import numpy as np

from openconvai.providers import tone_code
from openconvai.providers.tts.base import Voice
from openconvai.providers.vad.base import Frame

_CHUNK_SAMPLES = tone_code.SAMPLE_RATE // 10


class ToneCodeTts:
    """Speaks text as tone code, in 100 ms chunks.

    `audio_ms` fixes the length of every utterance instead (benchmarks measure the platform
    with a known amount of audio); `first_chunk_delay_ms` imitates synthesis time.
    """

    def __init__(self, audio_ms: int | None = None, first_chunk_delay_ms: int = 0) -> None:
        self._audio_ms = audio_ms
        self._delay = first_chunk_delay_ms / 1000

    @property
    def sample_rate(self) -> int:
        """16 kHz."""
        return tone_code.SAMPLE_RATE

    async def synthesize(self, text: str, voice: Voice) -> AsyncIterator[Frame]:
        """The tone code of `text` (or `audio_ms` of it), 100 ms at a time."""
        audio = tone_code.encode(text)
        if self._audio_ms is not None:
            wanted = tone_code.SAMPLE_RATE * self._audio_ms // 1000
            if audio.size < wanted:
                audio = np.concatenate([audio, np.zeros(wanted - audio.size, dtype=np.int16)])
            audio = audio[:wanted]
        if self._delay:
            await asyncio.sleep(self._delay)
        for start in range(0, audio.size, _CHUNK_SAMPLES):
            yield audio[start : start + _CHUNK_SAMPLES]
