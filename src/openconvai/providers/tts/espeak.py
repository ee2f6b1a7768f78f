"""eSpeak NG (the Debian program) as a light fallback voice for many languages."""

import asyncio
import shutil
from collections.abc import AsyncIterator

import numpy as np

from openconvai.audio.resample import StreamResampler
from openconvai.providers.errors import ProviderError
from openconvai.providers.tts.base import Voice
from openconvai.providers.vad.base import Frame

_WAV_HEADER = 44
_BASE_WPM = 175


class EspeakSynthesizer:
    """Runs `espeak-ng --stdout` per text; formant speech, robotic but instant."""

    def __init__(self, sample_rate: int, binary: str = "espeak-ng") -> None:
        found = shutil.which(binary)
        if found is None:
            raise FileNotFoundError(f"{binary} is not installed (apt install espeak-ng)")
        self._binary = found
        self._rate = sample_rate
        self._languages: frozenset[str] | None = None

    @property
    def sample_rate(self) -> int:
        """The rate it delivers (its native 22.05 kHz resampled when needed)."""
        return self._rate

    async def languages(self) -> frozenset[str]:
        """Language codes it has a voice for."""
        if self._languages is None:
            process = await asyncio.create_subprocess_exec(
                self._binary, "--voices", stdout=asyncio.subprocess.PIPE
            )
            out, _ = await process.communicate()
            lines = out.decode(errors="replace").splitlines()[1:]
            self._languages = frozenset(line.split()[1] for line in lines if len(line.split()) > 1)
        return self._languages

    async def synthesize(self, text: str, voice: Voice) -> AsyncIterator[Frame]:
        """Speech of `text` in the voice's language, as one chunk."""
        wpm = str(round(_BASE_WPM * max(0.5, min(2.0, voice.speed))))
        process = await asyncio.create_subprocess_exec(
            self._binary, "-v", voice.language or "en", "-s", wpm, "--stdout", "--", text,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            out, err = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        if process.returncode != 0:
            raise ProviderError("tts_cascade_error", f"espeak-ng failed: {err.decode()[:200]}")
        native = int.from_bytes(out[24:28], "little") if len(out) > _WAV_HEADER else self._rate
        audio = np.frombuffer(out[_WAV_HEADER:], dtype=np.int16)
        if native != self._rate:
            resampler = StreamResampler(native, self._rate)
            audio = np.concatenate([resampler.process(audio), resampler.flush()])
        if audio.size:
            yield audio
