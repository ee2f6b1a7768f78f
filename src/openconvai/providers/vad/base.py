"""The VAD protocol: one shared detector, a few bytes of state per conversation."""

from typing import Protocol

import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.int16]


class VadStream(Protocol):
    """Per-conversation VAD state."""

    async def process(self, frame: Frame) -> float:
        """Speech probability (0..1) of one 20 ms frame of 16 kHz mono PCM.

        Async so that a model-backed detector can batch frames of many conversations.
        """
        ...


class VoiceActivityDetector(Protocol):
    """A detector shared by every conversation of the process."""

    def stream(self) -> VadStream:
        """Fresh state for one conversation."""
        ...
