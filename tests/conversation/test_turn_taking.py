"""Turn-taking decisions, frame by frame: which 20 ms frame raises which signal.

The detector is pure (one VAD probability per frame, no clock), so every assertion names the
exact frame. With the default policy a 20 ms frame gives: SPEECH_STARTED on the 3rd speech
frame (60 ms), SPEECH_CONFIRMED on the 10th (200 ms), PAUSED on the 5th silent frame (100 ms)
and TURN_ENDED or NOISE_DISCARDED on the 25th (500 ms).
"""

import math
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openconvai.conversation.turn_taking import TurnDetector, TurnPolicy, TurnSignal

SPEECH = 1.0
SILENCE = 0.0

STARTED = TurnSignal.SPEECH_STARTED
CONFIRMED = TurnSignal.SPEECH_CONFIRMED
PAUSED = TurnSignal.PAUSED
RESUMED = TurnSignal.RESUMED
ENDED = TurnSignal.TURN_ENDED
DISCARDED = TurnSignal.NOISE_DISCARDED


@dataclass(frozen=True)
class Flags:
    """The detector's public state after a frame."""

    in_utterance: bool
    confirmed: bool
    paused: bool


IDLE = Flags(in_utterance=False, confirmed=False, paused=False)
UNCONFIRMED = Flags(in_utterance=True, confirmed=False, paused=False)
SPEAKING = Flags(in_utterance=True, confirmed=True, paused=False)
PAUSING = Flags(in_utterance=True, confirmed=True, paused=True)


def run(detector: TurnDetector, probabilities: list[float]) -> list[tuple[int, TurnSignal]]:
    """Feed the frames; each signal raised with the (0-based) index of its frame."""
    signals: list[tuple[int, TurnSignal]] = []
    for index, probability in enumerate(probabilities):
        signal = detector.update(probability)
        if signal is not None:
            signals.append((index, signal))
    return signals


def flags_after(detector: TurnDetector, probabilities: list[float]) -> list[Flags]:
    """Feed the frames; the detector's flags after each one."""
    flags: list[Flags] = []
    for probability in probabilities:
        detector.update(probability)
        flags.append(Flags(detector.in_utterance, detector.confirmed, detector.paused))
    return flags


def frames(*runs: tuple[float, int]) -> list[float]:
    """Runs of (probability, frame count) laid end to end."""
    return [probability for probability, count in runs for _ in range(count)]


def test_default_policy_values() -> None:
    policy = TurnPolicy()
    assert policy.speech_threshold == 0.5
    assert policy.speech_start_ms == 60
    assert policy.confirm_speech_ms == 200
    assert policy.pause_ms == 100
    assert policy.end_of_turn_silence_ms == 500


def test_a_full_turn_raises_each_signal_on_its_exact_frame() -> None:
    audio = frames((SPEECH, 15), (SILENCE, 30))
    assert run(TurnDetector(TurnPolicy()), audio) == [
        (2, STARTED),  # 3 frames of 20 ms = speech_start_ms
        (9, CONFIRMED),  # 10 frames of 20 ms = confirm_speech_ms
        (19, PAUSED),  # 5th silent frame: 100 ms = pause_ms
        (39, ENDED),  # 25th silent frame: 500 ms = end_of_turn_silence_ms
    ]


def test_flags_follow_the_utterance() -> None:
    flags = flags_after(TurnDetector(TurnPolicy()), frames((SPEECH, 15), (SILENCE, 30)))
    assert flags[:2] == [IDLE, IDLE]
    assert flags[2:9] == [UNCONFIRMED] * 7
    assert flags[9:19] == [SPEAKING] * 10  # speech, then the first four silent frames
    assert flags[19:39] == [PAUSING] * 20
    assert flags[39:] == [IDLE] * 6


def test_speech_resumed_before_the_turn_ends_is_the_same_turn() -> None:
    detector = TurnDetector(TurnPolicy())
    audio = frames((SPEECH, 10), (SILENCE, 5), (SPEECH, 1), (SILENCE, 30))
    flags = flags_after(TurnDetector(TurnPolicy()), audio)
    assert run(detector, audio) == [
        (2, STARTED),
        (9, CONFIRMED),
        (14, PAUSED),
        (15, RESUMED),  # one speech frame is enough, and raises nothing else
        (20, PAUSED),  # the silence is counted afresh after the resumption
        (40, ENDED),  # 25 silent frames after the last speech frame
    ]
    assert flags[14] == PAUSING
    assert flags[15] == SPEAKING
    assert flags[20] == PAUSING
    assert flags[40] == IDLE


def test_speech_on_the_last_silent_frame_before_the_end_still_resumes() -> None:
    detector = TurnDetector(TurnPolicy())
    audio = frames((SPEECH, 10), (SILENCE, 24), (SPEECH, 1))  # 480 ms of silence, not 500
    assert run(detector, audio) == [(2, STARTED), (9, CONFIRMED), (14, PAUSED), (34, RESUMED)]
    assert detector.confirmed and detector.in_utterance and not detector.paused


def test_speech_that_stops_before_confirmation_is_noise() -> None:
    detector = TurnDetector(TurnPolicy())
    audio = frames((SPEECH, 9), (SILENCE, 30))  # 180 ms: started, never confirmed
    flags = flags_after(TurnDetector(TurnPolicy()), audio)
    # No PAUSED either: pauses only count in a confirmed utterance.
    assert run(detector, audio) == [(2, STARTED), (33, DISCARDED)]
    assert flags[8:33] == [UNCONFIRMED] * 25
    assert flags[33:] == [IDLE] * 6


def test_confirmation_counts_speech_across_short_gaps() -> None:
    # 5 frames, a 200 ms gap (no pause: unconfirmed), then 5 more frames reach 200 ms.
    audio = frames((SPEECH, 5), (SILENCE, 10), (SPEECH, 5), (SILENCE, 25))
    assert run(TurnDetector(TurnPolicy()), audio) == [
        (2, STARTED),
        (19, CONFIRMED),
        (24, PAUSED),
        (44, ENDED),
    ]


def test_each_utterance_after_an_end_starts_from_nothing() -> None:
    detector = TurnDetector(TurnPolicy())
    first = frames((SPEECH, 10), (SILENCE, 25))
    assert run(detector, first) == [(2, STARTED), (9, CONFIRMED), (14, PAUSED), (34, ENDED)]
    assert run(detector, first) == [(2, STARTED), (9, CONFIRMED), (14, PAUSED), (34, ENDED)]
    noise = frames((SPEECH, 4), (SILENCE, 25))
    assert run(detector, noise) == [(2, STARTED), (28, DISCARDED)]
    assert run(detector, first) == [(2, STARTED), (9, CONFIRMED), (14, PAUSED), (34, ENDED)]


def test_a_click_shorter_than_speech_start_raises_nothing() -> None:
    detector = TurnDetector(TurnPolicy())
    # Two-frame clicks (40 ms < 60 ms), each fading in three silent frames (60 ms).
    audio = frames((SPEECH, 2), (SILENCE, 3), (SPEECH, 2), (SILENCE, 3), (SPEECH, 2))
    flags = flags_after(TurnDetector(TurnPolicy()), audio)
    assert run(detector, audio) == []
    assert flags == [IDLE] * len(audio)
    assert run(detector, frames((SILENCE, 100))) == []  # and no noise to discard later


def test_clicks_closer_than_speech_start_add_up() -> None:
    # Two silent frames (40 ms) do not let the first click fade: 40 + 20 ms reaches 60.
    audio = frames((SPEECH, 2), (SILENCE, 2), (SPEECH, 1))
    assert run(TurnDetector(TurnPolicy()), audio) == [(4, STARTED)]


def test_a_probability_equal_to_the_threshold_is_speech() -> None:
    detector = TurnDetector(TurnPolicy())
    assert run(detector, [0.5] * 10) == [(2, STARTED), (9, CONFIRMED)]


def test_a_probability_just_under_the_threshold_is_silence() -> None:
    assert run(TurnDetector(TurnPolicy()), [0.4999] * 100) == []
    detector = TurnDetector(TurnPolicy())
    audio = [0.5] * 10 + [0.4999] * 25
    assert run(detector, audio) == [(2, STARTED), (9, CONFIRMED), (14, PAUSED), (34, ENDED)]


def test_a_custom_threshold_moves_the_edge() -> None:
    policy = TurnPolicy(speech_threshold=0.8)
    assert run(TurnDetector(policy), [0.79] * 50) == []
    assert run(TurnDetector(policy), [0.8] * 3) == [(2, STARTED)]


@pytest.mark.parametrize(
    ("turn", "silence_ms"),
    [
        ("eager", 300),
        ("normal", 500),
        ("patient", 900),
        ("impatient", 500),  # unknown: normal
        ("", 500),
    ],
)
def test_policy_from_eagerness(turn: str, silence_ms: int) -> None:
    policy = TurnPolicy.from_eagerness(turn)
    assert policy.end_of_turn_silence_ms == silence_ms
    # Eagerness changes only when a turn ends.
    defaults = TurnPolicy()
    assert policy.speech_threshold == defaults.speech_threshold
    assert policy.speech_start_ms == defaults.speech_start_ms
    assert policy.confirm_speech_ms == defaults.confirm_speech_ms
    assert policy.pause_ms == defaults.pause_ms


@pytest.mark.parametrize(("eagerness", "last_frame"), [("eager", 24), ("patient", 54)])
def test_eagerness_decides_the_frame_that_ends_the_turn(eagerness: str, last_frame: int) -> None:
    policy = TurnPolicy.from_eagerness(eagerness)
    audio = frames((SPEECH, 10), (SILENCE, 60))
    # 300 ms = 15 silent frames; 900 ms = 45.
    assert run(TurnDetector(policy), audio) == [
        (2, STARTED),
        (9, CONFIRMED),
        (14, PAUSED),
        (last_frame, ENDED),
    ]


def test_30_ms_frames_round_each_threshold_up_to_a_whole_frame() -> None:
    detector = TurnDetector(TurnPolicy(), frame_ms=30)
    audio = frames((SPEECH, 10), (SILENCE, 20))
    assert run(detector, audio) == [
        (1, STARTED),  # 60 ms = 2 frames
        (6, CONFIRMED),  # 200 ms → 7 frames (210 ms)
        (13, PAUSED),  # 100 ms → 4 silent frames (120 ms)
        (26, ENDED),  # 500 ms → 17 silent frames (510 ms)
    ]


def test_10_ms_frames() -> None:
    detector = TurnDetector(TurnPolicy(), frame_ms=10)
    audio = frames((SPEECH, 25), (SILENCE, 60))
    assert run(detector, audio) == [(5, STARTED), (19, CONFIRMED), (34, PAUSED), (74, ENDED)]


def test_reset_forgets_the_utterance() -> None:
    detector = TurnDetector(TurnPolicy())
    run(detector, frames((SPEECH, 10), (SILENCE, 5)))
    assert detector.paused
    detector.reset()
    assert (detector.in_utterance, detector.confirmed, detector.paused) == (False, False, False)
    # Neither the speech nor the silence before the reset counts any more.
    assert run(detector, frames((SPEECH, 10), (SILENCE, 25))) == [
        (2, STARTED),
        (9, CONFIRMED),
        (14, PAUSED),
        (34, ENDED),
    ]


# --- properties ---------------------------------------------------------------------------

# The signals allowed in each state, and the state each leads to.
_IDLE, _STARTED, _CONFIRMED, _PAUSED = "idle", "started", "confirmed", "paused"
_LEGAL: dict[str, dict[TurnSignal, str]] = {
    _IDLE: {STARTED: _STARTED},
    _STARTED: {CONFIRMED: _CONFIRMED, DISCARDED: _IDLE},
    _CONFIRMED: {PAUSED: _PAUSED, ENDED: _IDLE},
    _PAUSED: {RESUMED: _CONFIRMED, ENDED: _IDLE},
}
_FLAGS = {_IDLE: IDLE, _STARTED: UNCONFIRMED, _CONFIRMED: SPEAKING, _PAUSED: PAUSING}
# Signals raised by a frame of speech; the others come on a frame of silence.
_ON_SPEECH = {STARTED, CONFIRMED, RESUMED}

policies = st.builds(
    TurnPolicy,
    speech_threshold=st.sampled_from([0.3, 0.5, 0.9]),
    speech_start_ms=st.integers(0, 200),
    confirm_speech_ms=st.integers(0, 600),
    end_of_turn_silence_ms=st.integers(0, 1000),
    pause_ms=st.integers(0, 1000),
)
# Runs of frames, so that long silences and long speech both come up often.
audio_runs = st.lists(
    st.tuples(st.floats(0.0, 1.0), st.integers(1, 60)), min_size=1, max_size=20
).map(lambda runs: frames(*runs))


@given(policies, st.sampled_from([10, 20, 30]), audio_runs)
def test_signals_come_in_a_legal_order(
    policy: TurnPolicy, frame_ms: int, audio: list[float]
) -> None:
    detector = TurnDetector(policy, frame_ms=frame_ms)
    state = _IDLE
    silent_run = 0  # silent frames in a row up to and including this one
    for probability in audio:
        speech = probability >= policy.speech_threshold
        silent_run = 0 if speech else silent_run + 1
        signal = detector.update(probability)
        if signal is not None:
            assert signal in _LEGAL[state], f"{signal} in state {state}"
            state = _LEGAL[state][signal]
            assert (signal in _ON_SPEECH) == speech
            if signal in (ENDED, DISCARDED):
                # Exactly when the silence first reached end_of_turn_silence_ms.
                assert silent_run == max(1, math.ceil(policy.end_of_turn_silence_ms / frame_ms))
            if signal is PAUSED:
                assert silent_run * frame_ms >= policy.pause_ms
                assert silent_run * frame_ms < policy.end_of_turn_silence_ms
        flags = Flags(detector.in_utterance, detector.confirmed, detector.paused)
        assert flags == _FLAGS[state]


@given(audio_runs)
def test_a_turn_never_ends_without_confirmed_speech(audio: list[float]) -> None:
    signals = [signal for _, signal in run(TurnDetector(TurnPolicy()), audio)]
    confirmed = False
    for signal in signals:
        if signal is CONFIRMED:
            confirmed = True
        elif signal is ENDED:
            assert confirmed
            confirmed = False
        elif signal in (DISCARDED, STARTED):
            assert not confirmed
