"""Which voice activity detector a conversation gets: the embedded Silero model, or the
energy detector when Silero is not installed (and always in the scripted pipeline)."""

from collections.abc import Callable

from openconvai.providers.local import LocalModels
from openconvai.providers.vad.base import VoiceActivityDetector
from openconvai.providers.vad.energy import EnergyVad

# The detectors in order of preference; the last one is always available.
PREFERENCE = ("silero", "energy")


class VadRegistry:
    """The detectors of one process, each shared by every conversation."""

    def __init__(self, local: LocalModels) -> None:
        self.energy = EnergyVad()
        self._detectors: dict[str, Callable[[], VoiceActivityDetector | None]] = {
            "silero": local.vad,
            "energy": lambda: self.energy,
        }

    def detector(self) -> VoiceActivityDetector:
        """The most preferred detector that is available."""
        for name in PREFERENCE:
            detector = self._detectors[name]()
            if detector is not None:
                return detector
        return self.energy
