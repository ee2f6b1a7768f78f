"""The streaming text-to-speech protocol: audio for a piece of text, chunk by chunk."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from openconvai.providers.vad.base import Frame


@dataclass(frozen=True)
class Voice:
    """Which voice speaks, and how (the agent's `tts` settings)."""

    voice_id: str
    model_id: str
    language: str = "en"
    stability: float = 0.5
    speed: float = 1.0
    similarity_boost: float = 0.8
    optimize_streaming_latency: int = 3


class TextToSpeech(Protocol):
    """A synthesizer shared by every conversation of the process."""

    @property
    def sample_rate(self) -> int:
        """Sample rate of the mono int16 audio it produces."""
        ...

    def synthesize(self, text: str, voice: Voice) -> AsyncIterator[Frame]:
        """Audio of `text` in chunks as they are ready (cancelling the iteration stops it)."""
        ...


@runtime_checkable
class ChecksVoices(Protocol):
    """A synthesizer that can say up front whether it can speak a voice."""

    async def check(self, voice: Voice) -> None:
        """Raise `ValueError` (with a message for the user) if it cannot."""
        ...
