import io
import wave

import numpy as np
import pytest

from openconvai.audio.wav import pcm16_to_wav, wav_to_pcm16
from tests.audio.tones import sine


@pytest.mark.parametrize("rate", [8000, 16000, 44100])
def test_round_trip(rate: int) -> None:
    samples = sine(440, rate, 0.25)
    data = pcm16_to_wav(samples, rate)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    back, back_rate = wav_to_pcm16(data)
    assert back_rate == rate
    assert back.dtype == np.int16
    assert np.array_equal(back, samples)


def test_empty_round_trip() -> None:
    back, rate = wav_to_pcm16(pcm16_to_wav(np.zeros(0, dtype=np.int16), 16000))
    assert rate == 16000
    assert back.shape == (0,)


def test_writer_rejects_other_samples() -> None:
    with pytest.raises(ValueError):
        pcm16_to_wav(np.zeros(10, dtype=np.float32), 16000)
    with pytest.raises(ValueError):
        pcm16_to_wav(np.zeros((10, 2), dtype=np.int16), 16000)
    with pytest.raises(ValueError):
        pcm16_to_wav(np.zeros(10, dtype=np.int16), 0)


def wav_bytes(channels: int, width: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(16000)
        writer.writeframes(b"\x00" * channels * width * 10)
    return buffer.getvalue()


@pytest.mark.parametrize(("channels", "width"), [(2, 2), (1, 1), (1, 3)])
def test_reader_rejects_other_layouts(channels: int, width: int) -> None:
    with pytest.raises(ValueError, match="mono 16-bit"):
        wav_to_pcm16(wav_bytes(channels, width))


@pytest.mark.parametrize("data", [b"", b"not a wav file at all", b"RIFF\x00\x00"])
def test_reader_rejects_garbage(data: bytes) -> None:
    with pytest.raises(ValueError):
        wav_to_pcm16(data)
