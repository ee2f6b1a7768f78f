"""A test signal that carries text: one pure tone per character.

The scripted pipeline speaks and hears this code, so a test can say a sentence to an agent
over any audio format and check what it heard, with no speech model at all. Each character
is a 60 ms tone (500 Hz + 50 Hz per alphabet index, on the FFT bins of a 20 ms frame at
16 kHz) followed by a 60 ms separator tone, so doubled letters stay apart and any frame
alignment leaves at least two clean frames per symbol. Everything stays under 4 kHz, so
8 kHz telephony audio carries it too.
"""

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000
ALPHABET = " abcdefghijklmnopqrstuvwxyz0123456789.,?!'-:"
FRAME_SAMPLES = 320
_BIN_HZ = SAMPLE_RATE / FRAME_SAMPLES
_BASE_HZ = 500.0
_SEPARATOR_HZ = 450.0
_SYMBOL_SAMPLES = SAMPLE_RATE * 60 // 1000
_AMPLITUDE = 0.3 * 32767
_MIN_RMS = 300.0
_WINDOW = np.hanning(FRAME_SAMPLES).astype(np.float32)
SEPARATOR = "|"


def _tone(frequency: float) -> npt.NDArray[np.float64]:
    t = np.arange(_SYMBOL_SAMPLES) / SAMPLE_RATE
    return np.asarray(_AMPLITUDE * np.sin(2 * np.pi * frequency * t))


def encode(text: str) -> npt.NDArray[np.int16]:
    """The tone code of `text` (lower-cased; characters outside the alphabet are dropped)."""
    parts: list[npt.NDArray[np.float64]] = []
    for char in text.lower():
        index = ALPHABET.find(char)
        if index < 0:
            continue
        parts.append(_tone(_BASE_HZ + _BIN_HZ * index))
        parts.append(_tone(_SEPARATOR_HZ))
    if not parts:
        return np.zeros(0, dtype=np.int16)
    return np.concatenate(parts).astype(np.int16)


def encoded_duration_secs(text: str) -> float:
    """How long `encode(text)` lasts."""
    count = sum(1 for char in text.lower() if char in ALPHABET)
    return 2 * count * _SYMBOL_SAMPLES / SAMPLE_RATE


def frame_symbol(frame: npt.NDArray[np.int16]) -> str | None:
    """The character (or `SEPARATOR`) one 20 ms frame carries; None for silence or noise."""
    if frame.size != FRAME_SAMPLES:
        return None
    samples = frame.astype(np.float32)
    if float(np.sqrt(np.mean(samples * samples))) < _MIN_RMS:
        return None
    spectrum = np.abs(np.fft.rfft(samples * _WINDOW))
    frequency = float(np.argmax(spectrum)) * _BIN_HZ
    if frequency == _SEPARATOR_HZ:
        return SEPARATOR
    index = round((frequency - _BASE_HZ) / _BIN_HZ)
    if frequency < _BASE_HZ or index >= len(ALPHABET):
        return None
    return ALPHABET[index]


class ToneDecoder:
    """Incremental decoding of tone-coded frames into text."""

    def __init__(self) -> None:
        self._symbols: list[str | None] = []

    def push(self, frame: npt.NDArray[np.int16]) -> None:
        """Add one 20 ms frame of 16 kHz audio."""
        self._symbols.append(frame_symbol(frame))

    def text(self) -> str:
        """The text decoded so far: runs of at least two frames of one character."""
        chars: list[str] = []
        run_symbol: str | None = None
        run_length = 0
        for symbol in [*self._symbols, None]:
            if symbol == run_symbol:
                run_length += 1
                continue
            if run_symbol is not None and run_symbol != SEPARATOR and run_length >= 2:
                chars.append(run_symbol)
            run_symbol, run_length = symbol, 1
        return "".join(chars).strip()

    def reset(self) -> None:
        """Forget everything pushed so far."""
        self._symbols.clear()


def decode(samples: npt.NDArray[np.int16]) -> str:
    """The text in a whole 16 kHz tone-coded signal."""
    decoder = ToneDecoder()
    for start in range(0, samples.size - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        decoder.push(samples[start : start + FRAME_SAMPLES])
    return decoder.text()
