"""Turn-taking policy: when the user starts speaking, barges in, and ends a turn.

Pure and frame-driven (no clock, no I/O): feed it one VAD probability per 20 ms frame.
"""

from dataclasses import dataclass
from enum import Enum


class TurnSignal(Enum):
    """What a frame changed."""

    SPEECH_STARTED = "speech_started"
    SPEECH_CONFIRMED = "speech_confirmed"
    TURN_ENDED = "turn_ended"
    NOISE_DISCARDED = "noise_discarded"
    PAUSED = "paused"
    RESUMED = "resumed"


# How long a pause ends a turn, by the agent's `turn.turn_eagerness`.
_SILENCE_MS_BY_EAGERNESS = {"eager": 300, "normal": 500, "patient": 900}


@dataclass(frozen=True)
class TurnPolicy:
    """The thresholds of turn-taking, in milliseconds of audio."""

    speech_threshold: float = 0.5
    speech_start_ms: int = 60
    confirm_speech_ms: int = 200
    end_of_turn_silence_ms: int = 500
    # A pause this long in a confirmed utterance may end the turn: a good moment to start
    # the reply speculatively, and throw it away if the user goes on.
    pause_ms: int = 100

    @classmethod
    def from_eagerness(cls, eagerness: str) -> "TurnPolicy":
        """The policy of an agent's `turn.turn_eagerness` (an unknown value: normal)."""
        return cls(end_of_turn_silence_ms=_SILENCE_MS_BY_EAGERNESS.get(eagerness, 500))


class TurnDetector:
    """Tracks one user's speech from per-frame VAD probabilities.

    - SPEECH_STARTED once speech has lasted `speech_start_ms` (short clicks do not count);
    - SPEECH_CONFIRMED once the same utterance has lasted `confirm_speech_ms`: enough to
      interrupt an agent that is speaking;
    - TURN_ENDED after `end_of_turn_silence_ms` of silence following a confirmed utterance;
    - NOISE_DISCARDED when speech stopped before it was confirmed;
    - PAUSED after `pause_ms` of silence in a confirmed utterance (the turn may be ending),
      then RESUMED if speech comes back before the turn ends.
    """

    def __init__(self, policy: TurnPolicy, frame_ms: int = 20) -> None:
        self.policy = policy
        self._frame_ms = frame_ms
        self._speech_ms = 0
        self._silence_ms = 0
        self.in_utterance = False
        self.confirmed = False
        self.paused = False

    def update(self, probability: float) -> TurnSignal | None:
        """Account for one frame; the signal it raised, if any."""
        policy = self.policy
        if probability >= policy.speech_threshold:
            self._silence_ms = 0
            self._speech_ms += self._frame_ms
            if self.paused:
                self.paused = False
                return TurnSignal.RESUMED
            if not self.in_utterance and self._speech_ms >= policy.speech_start_ms:
                self.in_utterance = True
                return TurnSignal.SPEECH_STARTED
            if (
                self.in_utterance
                and not self.confirmed
                and self._speech_ms >= policy.confirm_speech_ms
            ):
                self.confirmed = True
                return TurnSignal.SPEECH_CONFIRMED
            return None
        self._silence_ms += self._frame_ms
        if not self.in_utterance:
            # Speech too short to start an utterance fades away.
            if self._silence_ms >= policy.speech_start_ms:
                self._speech_ms = 0
            return None
        if self._silence_ms < policy.end_of_turn_silence_ms:
            if self.confirmed and not self.paused and self._silence_ms >= policy.pause_ms:
                self.paused = True
                return TurnSignal.PAUSED
            return None
        signal = TurnSignal.TURN_ENDED if self.confirmed else TurnSignal.NOISE_DISCARDED
        self.reset()
        return signal

    def reset(self) -> None:
        """Forget the current utterance."""
        self._speech_ms = 0
        self._silence_ms = 0
        self.in_utterance = False
        self.confirmed = False
        self.paused = False
