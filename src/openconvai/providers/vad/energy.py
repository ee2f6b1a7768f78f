"""An energy VAD: speech where the frame's loudness clears an adaptive noise floor.

Deterministic and nearly free; the scripted test pipeline uses it, and it is the last
resort when no model-based detector is installed.
"""

import math

import numpy as np

from openconvai.providers.vad.base import Frame

_SILENCE_DBFS = -60.0


def frame_dbfs(frame: Frame) -> float:
    """Loudness of a frame in dB relative to full scale."""
    if frame.size == 0:
        return _SILENCE_DBFS
    samples = frame.astype(np.float32)
    rms = math.sqrt(float(np.dot(samples, samples)) / frame.size)
    return _SILENCE_DBFS if rms < 1.0 else 20.0 * math.log10(rms / 32768.0)


class EnergyVadStream:
    """Speech probability from the frame's level above the tracked noise floor."""

    def __init__(self, threshold_db: float, floor_dbfs: float) -> None:
        self._threshold_db = threshold_db
        self._floor = floor_dbfs

    async def process(self, frame: Frame) -> float:
        """Probability that this frame holds speech."""
        level = frame_dbfs(frame)
        margin = level - self._floor
        if margin < self._threshold_db / 2:
            # Track the noise floor only on quiet frames, slowly, so speech never raises it.
            self._floor = 0.95 * self._floor + 0.05 * max(level, _SILENCE_DBFS)
        # A soft step: half the threshold above the floor is 0, the full threshold is 1.
        return min(1.0, max(0.0, (margin - self._threshold_db / 2) / (self._threshold_db / 2)))


class EnergyVad:
    """Shared settings of the energy VAD."""

    def __init__(self, threshold_db: float = 18.0, floor_dbfs: float = -55.0) -> None:
        self.threshold_db = threshold_db
        self.floor_dbfs = floor_dbfs

    def stream(self) -> EnergyVadStream:
        """Fresh state for one conversation."""
        return EnergyVadStream(self.threshold_db, self.floor_dbfs)
