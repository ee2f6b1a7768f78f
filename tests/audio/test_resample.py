import numpy as np
import pytest

from openconvai.audio.resample import StreamResampler
from tests.audio.tones import peak_hz, sine, steady_rms

RATE_PAIRS = [(8000, 16000), (16000, 8000), (22050, 16000), (16000, 44100), (48000, 16000)]


def run(resampler: StreamResampler, samples: np.ndarray, sizes: list[int]) -> np.ndarray:
    out = []
    start = 0
    index = 0
    while start < len(samples):
        size = sizes[index % len(sizes)]
        out.append(resampler.process(samples[start : start + size]))
        start += size
        index += 1
    out.append(resampler.flush())
    return np.concatenate(out)


def test_equal_rates_pass_samples_through_without_copying() -> None:
    resampler = StreamResampler(16000, 16000)
    samples = sine(440, 16000, 0.02)
    assert resampler.passthrough
    assert resampler.process(samples) is samples
    assert resampler.flush().shape == (0,)


@pytest.mark.parametrize(("in_rate", "out_rate"), RATE_PAIRS)
@pytest.mark.parametrize("low_latency", [False, True])
def test_tone_keeps_pitch_level_and_length(in_rate: int, out_rate: int, low_latency: bool) -> None:
    resampler = StreamResampler(in_rate, out_rate, low_latency=low_latency)
    out = run(resampler, sine(440, in_rate), [in_rate // 50])
    assert out.dtype == np.int16
    assert len(out) == pytest.approx(out_rate, abs=2)
    assert peak_hz(out, out_rate) == pytest.approx(440, abs=2)
    assert steady_rms(out) == pytest.approx(10000 / np.sqrt(2), rel=0.02)


@pytest.mark.parametrize(("in_rate", "out_rate"), RATE_PAIRS)
def test_chunking_does_not_change_the_output(in_rate: int, out_rate: int) -> None:
    noise = (np.random.default_rng(7).standard_normal(in_rate) * 3000).astype(np.int16)
    whole = run(StreamResampler(in_rate, out_rate), noise, [len(noise)])
    pieces = run(StreamResampler(in_rate, out_rate), noise, [37, 1001, 3])
    assert len(pieces) == len(whole)
    assert np.max(np.abs(pieces.astype(np.int32) - whole)) <= 3


def test_no_click_at_chunk_boundaries() -> None:
    tone = sine(440, 8000)
    out = run(StreamResampler(8000, 16000), tone, [160])[320:-320]
    # A click would show as a jump far above the tone's own steepest slope. The first and
    # last 20 ms are left out: the tone itself starts and stops abruptly there.
    steepest = 10000 * 2 * np.pi * 440 / 16000
    assert np.max(np.abs(np.diff(out.astype(np.int32)))) < 1.05 * steepest


def test_flush_starts_a_fresh_stream() -> None:
    resampler = StreamResampler(8000, 16000)
    tone = sine(440, 8000, 0.5)
    first = run(resampler, tone, [160])
    second = run(resampler, tone, [160])
    assert len(second) == len(first)
    assert np.max(np.abs(second.astype(np.int32) - first)) <= 2


def test_reset_drops_buffered_input() -> None:
    resampler = StreamResampler(8000, 16000)
    resampler.process(sine(440, 8000, 0.1))
    resampler.reset()
    assert len(resampler.flush()) == 0


def test_rejects_non_positive_rates() -> None:
    with pytest.raises(ValueError):
        StreamResampler(0, 16000)
