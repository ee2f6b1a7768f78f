"""Mono 16-bit WAV files in memory, for recordings and test fixtures."""

import io
import sys
import wave

import numpy as np
import numpy.typing as npt


def pcm16_to_wav(samples: npt.NDArray[np.int16], sample_rate: int) -> bytes:
    """Wrap mono int16 samples in a WAV container."""
    if samples.dtype != np.int16 or samples.ndim != 1:
        raise ValueError(
            f"WAV output needs mono int16 samples, got {samples.dtype} of shape {samples.shape}"
        )
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(samples.astype("<i2", copy=False).tobytes())
    return buffer.getvalue()


def wav_to_pcm16(data: bytes) -> tuple[npt.NDArray[np.int16], int]:
    """Read a mono 16-bit PCM WAV file; returns its samples and sample rate."""
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            channels = reader.getnchannels()
            width = reader.getsampwidth()
            rate = reader.getframerate()
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        raise ValueError(f"not a readable PCM WAV file: {error}") from error
    if channels != 1 or width != 2:
        raise ValueError(
            f"WAV must be mono 16-bit PCM, got {channels} channel(s) of {8 * width}-bit samples"
        )
    samples = np.frombuffer(frames, dtype="<i2")
    if sys.byteorder != "little":
        samples = samples.astype(np.int16)
    return samples, rate
