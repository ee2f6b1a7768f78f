"""Cutting a stream of samples into fixed-size frames."""

import numpy as np
import numpy.typing as npt

from openconvai.audio.formats import FRAME_SAMPLES


class FrameSplitter:
    """Splits a stream of int16 chunks of any size into frames of exactly `frame_samples`.

    Frames that lie wholly inside one pushed chunk are views of that chunk (no copy), so a
    caller must not overwrite a chunk after pushing it; only a frame that straddles two
    chunks is assembled in a new array.
    """

    def __init__(self, frame_samples: int = FRAME_SAMPLES) -> None:
        if frame_samples <= 0:
            raise ValueError(f"frame_samples must be positive, got {frame_samples}")
        self.frame_samples = frame_samples
        self._partial = np.empty(frame_samples, dtype=np.int16)
        self._pending = 0

    @property
    def pending(self) -> int:
        """Samples held back until enough arrive to complete a frame."""
        return self._pending

    def push(self, samples: npt.NDArray[np.int16]) -> list[npt.NDArray[np.int16]]:
        """Add samples; returns the frames completed by them, oldest first."""
        size = self.frame_samples
        frames: list[npt.NDArray[np.int16]] = []
        start = 0
        if self._pending:
            start = min(size - self._pending, len(samples))
            self._partial[self._pending : self._pending + start] = samples[:start]
            self._pending += start
            if self._pending < size:
                return frames
            # Hand the filled buffer out and take a fresh one rather than copying it.
            frames.append(self._partial)
            self._partial = np.empty(size, dtype=np.int16)
            self._pending = 0
        whole = (len(samples) - start) // size
        end = start + whole * size
        if whole:
            # Iterating a 2-D view yields its rows as views: one object per frame, no copy.
            frames.extend(samples[start:end].reshape(whole, size))
        rest = len(samples) - end
        if rest:
            self._partial[:rest] = samples[end:]
            self._pending = rest
        return frames

    def reset(self) -> None:
        """Drop the samples held back."""
        self._pending = 0
