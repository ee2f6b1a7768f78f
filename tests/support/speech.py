"""Real speech for tests and benchmarks: sentences said by eSpeak NG, at 16 kHz."""

import io
import shutil
import subprocess
import wave

import numpy as np
import numpy.typing as npt

from openconvai.audio.resample import StreamResampler


def espeak_available() -> bool:
    """Whether the Debian program espeak-ng is installed."""
    return shutil.which("espeak-ng") is not None


def say(text: str, *, voice: str = "en-us", words_per_minute: int = 150) -> npt.NDArray[np.int16]:
    """`text` spoken by eSpeak NG, as 16 kHz mono int16."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
        # espeak-ng streams to stdout with an unknown length: read what is there.
        samples = np.frombuffer(wav[44:], dtype=np.int16)
    resampler = StreamResampler(rate, 16000)
    return np.concatenate([resampler.process(samples), resampler.flush()]).astype(np.int16)


def rms_dbfs(samples: npt.NDArray[np.int16]) -> float:
    """Loudness in dB relative to full scale (-inf for silence)."""
    if samples.size == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return float("-inf") if rms == 0 else 20 * np.log10(rms / 32768)
