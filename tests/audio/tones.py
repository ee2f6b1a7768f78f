"""Test signals and their measurement: sine tones and the frequency of a spectral peak."""

import numpy as np
import numpy.typing as npt


def sine(
    freq_hz: float, sample_rate: int, secs: float = 1.0, amplitude: float = 10000.0
) -> npt.NDArray[np.int16]:
    """A pure tone as int16 samples."""
    t = np.arange(round(sample_rate * secs)) / sample_rate
    return np.round(amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.int16)


def peak_hz(samples: npt.NDArray[np.int16], sample_rate: int) -> float:
    """Frequency of the strongest component (Hann window, so leakage cannot win)."""
    x = samples.astype(np.float64) * np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(x))
    return float(np.fft.rfftfreq(len(samples), 1 / sample_rate)[np.argmax(spectrum)])


def steady_rms(samples: npt.NDArray[np.int16]) -> float:
    """RMS of the middle half, away from resampler start-up and tail."""
    quarter = len(samples) // 4
    middle = samples[quarter : len(samples) - quarter].astype(np.float64)
    return float(np.sqrt(np.mean(middle**2)))


def chunked(data: bytes, sizes: list[int]) -> list[bytes]:
    """Cut `data` into consecutive pieces, cycling through `sizes`."""
    pieces = []
    start = 0
    index = 0
    while start < len(data):
        size = sizes[index % len(sizes)]
        pieces.append(data[start : start + size])
        start += size
        index += 1
    return pieces
