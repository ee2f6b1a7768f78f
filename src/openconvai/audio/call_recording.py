"""A call's recording: the user's and the agent's audio mixed into one 16 kHz WAV file.

Written as the call goes (a few kilobytes a second), so memory stays flat however long
the call lasts. The user's frames set the timeline; the agent's audio is placed where it
plays, which is at most a fraction of a second ahead of it.
"""

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from openconvai.audio.formats import CORE_SAMPLE_RATE
from openconvai.audio.resample import StreamResampler

Samples = npt.NDArray[np.int16]
_FLUSH_SAMPLES = CORE_SAMPLE_RATE * 2
# When the user's side goes quiet (no frames at all), silence fills it up to this far
# behind the agent's playback, so the agent's audio never piles up in memory.
_MAX_AHEAD_SAMPLES = CORE_SAMPLE_RATE // 2


class WavCallRecorder:
    """Mixes and writes one conversation's audio."""

    def __init__(self, path: Path, agent_sample_rate: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = wave.open(str(path), "wb")  # noqa: SIM115 - closed in close()
        self._file.setnchannels(1)
        self._file.setsampwidth(2)
        self._file.setframerate(CORE_SAMPLE_RATE)
        self._resampler = StreamResampler(agent_sample_rate, CORE_SAMPLE_RATE)
        self._written = 0
        self._out: list[Samples] = []
        self._out_samples = 0
        self._agent = np.zeros(0, dtype=np.int32)
        self._agent_start = 0
        self.has_user_audio = False
        self.has_agent_audio = False

    def user(self, frame: Samples) -> None:
        """The next frame of user audio (16 kHz)."""
        if not self.has_user_audio and np.any(frame):
            self.has_user_audio = True
        if self._agent.size == 0:
            # Nothing to mix in (most frames): the frame goes out as it is, no arithmetic.
            self._written += frame.size
            self._agent_start = self._written
            self._queue(frame)
            return
        self._emit(frame.astype(np.int32))

    def agent(self, samples: Samples, at_secs: float) -> None:
        """Agent audio (at the synthesizer's rate) that starts playing `at_secs` into the call."""
        audio = self._resampler.process(samples)
        if audio.size == 0:
            return
        self.has_agent_audio = True
        start = max(int(at_secs * CORE_SAMPLE_RATE), self._written)
        offset = start - self._agent_start
        if offset + audio.size > self._agent.size:
            self._agent = np.concatenate(
                [self._agent, np.zeros(offset + audio.size - self._agent.size, dtype=np.int32)]
            )
        self._agent[offset : offset + audio.size] += audio
        behind = start + audio.size - self._written - _MAX_AHEAD_SAMPLES
        if behind > 0:
            self._emit(np.zeros(behind, dtype=np.int32))

    def close(self) -> None:
        """Write what remains and finish the file."""
        pending = self._agent.size - (self._written - self._agent_start)
        if pending > 0:
            self._emit(np.zeros(pending, dtype=np.int32))
        self._flush()
        self._file.close()

    def _emit(self, user: npt.NDArray[np.int32]) -> None:
        # Mix in the agent audio that plays over this stretch, then drop it from the buffer.
        offset = self._written - self._agent_start
        overlap = self._agent[max(offset, 0) : max(offset, 0) + user.size]
        if overlap.size:
            user = user.copy()
            user[: overlap.size] += overlap
        self._written += user.size
        consumed = self._written - self._agent_start
        if consumed > 0:
            self._agent = self._agent[consumed:]
            self._agent_start = self._written
        self._queue(np.clip(user, -32768, 32767).astype(np.int16))

    def _queue(self, mixed: Samples) -> None:
        self._out.append(mixed)
        self._out_samples += mixed.size
        if self._out_samples >= _FLUSH_SAMPLES:
            # About 64 kB every 2 s into the page cache: cheaper than a thread hand-off.
            self._flush()

    def _flush(self) -> None:
        if self._out:
            self._file.writeframes(np.concatenate(self._out).astype("<i2").tobytes())
            self._out.clear()
            self._out_samples = 0
