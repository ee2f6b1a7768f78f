"""What a listener heard of an agent turn cut short, from the seconds of audio played."""

import pytest

from openconvai.conversation.heard_text import SpokenSegment, heard_text

FIRST = "Hello there."
SECOND = "How are you doing today?"  # five words


def reply() -> list[SpokenSegment]:
    """Two synthesized sentences: one second, then two."""
    return [SpokenSegment(FIRST, 1.0, complete=True), SpokenSegment(SECOND, 2.0, complete=True)]


@pytest.mark.parametrize("heard_secs", [0.0, -1.0])
def test_nothing_heard_is_no_text(heard_secs: float) -> None:
    assert heard_text(reply(), heard_secs) == ""


def test_no_segments_is_no_text() -> None:
    assert heard_text([], 5.0) == ""


@pytest.mark.parametrize("heard_secs", [3.0, 10.0])
def test_all_heard_is_every_segment_joined_by_spaces(heard_secs: float) -> None:
    assert heard_text(reply(), heard_secs) == f"{FIRST} {SECOND}"


def test_the_first_segment_exactly() -> None:
    assert heard_text(reply(), 1.0) == FIRST


@pytest.mark.parametrize(
    ("heard_secs", "expected"),
    [
        (1.1, FIRST),  # 0.05 of five words: none, and no trailing space
        (1.5, f"{FIRST} How"),  # a quarter of five words: 1.25
        (2.0, f"{FIRST} How are"),  # half of five words: 2.5, rounded down
        (2.9, f"{FIRST} How are you doing"),  # 0.95 of five words: 4.75
    ],
)
def test_a_cut_in_the_second_segment_keeps_its_words_in_proportion(
    heard_secs: float, expected: str
) -> None:
    assert heard_text(reply(), heard_secs) == expected


def test_a_cut_in_the_first_segment_keeps_nothing_after_it() -> None:
    segments = [SpokenSegment("one two three four", 1.0, complete=True), *reply()]
    assert heard_text(segments, 0.5) == "one two"


def test_sums_of_chunk_lengths_count_as_the_whole_segment() -> None:
    # Fifty 20 ms chunks do not add up to exactly 1.0 in floating point.
    played = sum([0.02] * 50)
    segments = [SpokenSegment(FIRST, played, complete=True), *reply()[1:]]
    assert heard_text(segments, 1.0) == FIRST
    assert heard_text(segments, 3.0) == f"{FIRST} {SECOND}"


def test_a_millisecond_of_slack_completes_a_segment() -> None:
    segments = [SpokenSegment("a b", 1.0, complete=True), SpokenSegment("c d", 1.0, complete=True)]
    assert heard_text(segments, 0.9995) == "a b"  # within 1 ms: whole; the next not begun
    assert heard_text(segments, 1.9995) == "a b c d"
    assert heard_text(segments, 0.998) == "a"  # 2 ms short: only in proportion
    assert heard_text(segments, 1.998) == "a b c"


def test_expected_secs_of_a_complete_segment_is_its_audio() -> None:
    assert SpokenSegment("x" * 30, audio_secs=0.5, complete=True).expected_secs == 0.5
    assert SpokenSegment("x" * 30, audio_secs=3.0, complete=True).expected_secs == 3.0


def test_expected_secs_of_an_incomplete_segment_is_estimated_at_15_chars_a_second() -> None:
    assert SpokenSegment("x" * 30).expected_secs == pytest.approx(2.0)
    assert SpokenSegment("x" * 30, audio_secs=0.5).expected_secs == pytest.approx(2.0)
    # Audio already longer than the estimate: the audio wins.
    assert SpokenSegment("x" * 30, audio_secs=3.0).expected_secs == 3.0
    assert SpokenSegment("").expected_secs == 0.0


def test_an_incomplete_segment_is_cut_by_its_estimated_length() -> None:
    text = "one two three four five six"  # 27 characters: 1.8 s estimated
    still_synthesizing = SpokenSegment(text, audio_secs=0.5)
    assert heard_text([still_synthesizing], 0.9) == "one two three"  # 0.9 / 1.8 of six words
    assert heard_text([still_synthesizing], 0.5) == "one"  # 0.5 / 1.8 of six: 1.67
    assert heard_text([still_synthesizing], 1.8) == text
    # The same audio, complete: half a second is the whole of it.
    done = SpokenSegment(text, audio_secs=0.5, complete=True)
    assert heard_text([done], 0.5) == text


def test_a_zero_length_segment_first_is_nothing_heard() -> None:
    segments = [SpokenSegment("", 0.0), *reply()]
    assert heard_text(segments, 0.0) == ""
    assert heard_text([SpokenSegment("", 0.0, complete=True)], 1.0) == ""


def test_a_segment_not_begun_ends_what_was_heard() -> None:
    # The next segment's text is not known yet (empty, no audio): nothing of it is heard.
    segments = [SpokenSegment(FIRST, 1.0, complete=True), SpokenSegment("")]
    assert heard_text(segments, 5.0) == FIRST


def test_a_silent_segment_between_two_heard_ones_is_skipped() -> None:
    segments = [
        SpokenSegment(FIRST, 1.0, complete=True),
        SpokenSegment("...", 0.0, complete=True),
        SpokenSegment(SECOND, 2.0, complete=True),
    ]
    assert heard_text(segments, 3.0).endswith(SECOND)
