"""The audio formats of the ElevenLabs Agents API (`pcm_16000`, `ulaw_8000`, ...)."""

from dataclasses import dataclass
from typing import Literal

CORE_SAMPLE_RATE = 16000
"""Sample rate of all audio inside the conversation core."""

FRAME_SAMPLES = 320
"""Samples in one 20 ms core frame at `CORE_SAMPLE_RATE`."""

SUPPORTED_FORMATS: tuple[str, ...] = (
    "pcm_8000",
    "pcm_16000",
    "pcm_22050",
    "pcm_24000",
    "pcm_44100",
    "pcm_48000",
    "ulaw_8000",
)
"""Every value `user_input_audio_format` and `agent_output_audio_format` may take."""


@dataclass(frozen=True)
class AudioFormat:
    """A mono audio wire format: 16-bit little-endian PCM or G.711 μ-law, at a sample rate."""

    encoding: Literal["pcm", "ulaw"]
    sample_rate: int

    def __post_init__(self) -> None:
        if self.encoding not in ("pcm", "ulaw"):
            raise ValueError(f"unknown audio encoding {self.encoding!r}: expected 'pcm' or 'ulaw'")
        if self.sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {self.sample_rate}")
        if self.encoding == "ulaw" and self.sample_rate != 8000:
            raise ValueError(f"μ-law audio is 8000 Hz only, got {self.sample_rate}")

    @classmethod
    def parse(cls, name: str) -> "AudioFormat":
        """Parse an API format name such as `pcm_16000` or `ulaw_8000`."""
        if name not in SUPPORTED_FORMATS:
            raise ValueError(
                f"unsupported audio format {name!r}: expected one of {', '.join(SUPPORTED_FORMATS)}"
            )
        encoding, rate = name.split("_")
        return cls("ulaw" if encoding == "ulaw" else "pcm", int(rate))

    @property
    def name(self) -> str:
        """The API name of this format, e.g. `pcm_16000`."""
        return f"{self.encoding}_{self.sample_rate}"

    @property
    def bytes_per_sample(self) -> int:
        """2 for 16-bit PCM, 1 for μ-law."""
        return 2 if self.encoding == "pcm" else 1

    def duration_secs(self, byte_count: int) -> float:
        """Seconds of audio held in `byte_count` bytes of this format."""
        return byte_count / (self.bytes_per_sample * self.sample_rate)
