"""Multi-voice markup: streamed LLM text split into voice spans, tags never spoken."""

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from openconvai.conversation.voice_markup import (
    VoiceMarkupSplitter,
    VoiceSpan,
    merge_spans,
    split_voice_markup,
    strip_voice_markup,
)

LABELS = ["Narrator", "Old Man", "Kid"]


def stream(deltas: list[str], labels: list[str] = LABELS) -> list[VoiceSpan]:
    """Feed the deltas one by one, then flush; the spans with each voice's text joined."""
    splitter = VoiceMarkupSplitter(labels)
    spans: list[VoiceSpan] = []
    for delta in deltas:
        spans += splitter.push(delta)
    return merge_spans(spans + splitter.flush())


def test_tags_switch_voices_and_are_never_spoken() -> None:
    text = "Hello. <Narrator>Once upon a time</Narrator> <Old Man>Who goes there?</Old Man>"
    assert split_voice_markup(text, LABELS) == [
        VoiceSpan(None, "Hello. "),
        VoiceSpan("Narrator", "Once upon a time"),
        VoiceSpan(None, " "),
        VoiceSpan("Old Man", "Who goes there?"),
    ]


def test_a_tag_cut_across_deltas() -> None:
    splitter = VoiceMarkupSplitter(LABELS)
    assert splitter.push("Intro <Nar") == [VoiceSpan(None, "Intro ")]
    assert splitter.push("rator>Once") == [VoiceSpan("Narrator", "Once")]
    assert splitter.push(" upon</") == [VoiceSpan("Narrator", " upon")]
    assert splitter.push("Narr") == []
    assert splitter.push("ator> the end") == [VoiceSpan(None, " the end")]
    assert splitter.flush() == []


def test_text_flows_as_soon_as_it_is_certain() -> None:
    splitter = VoiceMarkupSplitter(LABELS)
    assert splitter.push("<Narrator>It was") == [VoiceSpan("Narrator", "It was")]
    assert splitter.voice == "Narrator"
    assert splitter.push(" dark") == [VoiceSpan("Narrator", " dark")]
    # "<K" may begin <Kid>; " 5" after "<" begins no tag.
    assert splitter.push(" <K") == [VoiceSpan("Narrator", " ")]
    assert splitter.push("id>hi") == [VoiceSpan("Kid", "hi")]
    assert splitter.push(" 3 <") == [VoiceSpan("Kid", " 3 ")]
    assert splitter.push(" 5") == [VoiceSpan("Kid", "< 5")]


def test_labels_match_in_any_case() -> None:
    assert split_voice_markup("<narrator>hi</NARRATOR>", LABELS) == [VoiceSpan("Narrator", "hi")]


def test_an_unknown_label_is_default_voice_text_without_its_tags() -> None:
    assert split_voice_markup("<Ghost>Boo!</Ghost> ok", LABELS) == [VoiceSpan(None, "Boo! ok")]
    assert split_voice_markup("<Kid>a <b>bold</b> move</Kid>", LABELS) == [
        VoiceSpan("Kid", "a bold move")
    ]


def test_an_unclosed_tag_keeps_its_voice_to_the_end() -> None:
    assert stream(["<Kid>I never", " close my tags"]) == [VoiceSpan("Kid", "I never close my tags")]


def test_tags_nest_and_a_stray_closing_tag_is_dropped() -> None:
    assert split_voice_markup("<Narrator>He said <Kid>hi</Kid> softly</Narrator>", LABELS) == [
        VoiceSpan("Narrator", "He said "),
        VoiceSpan("Kid", "hi"),
        VoiceSpan("Narrator", " softly"),
    ]
    assert split_voice_markup("</Kid>plain <Narrator>a <Kid>b</Narrator> c", LABELS) == [
        VoiceSpan(None, "plain "),
        VoiceSpan("Narrator", "a "),
        VoiceSpan("Kid", "b"),
        VoiceSpan(None, " c"),
    ]


def test_a_lone_angle_bracket_is_text() -> None:
    for text in ["3 < 5", "3 < 5 and 6 > 2", "a <", "<", "<<Kid>>", "x <= y", "<john@example.com>"]:
        assert strip_voice_markup(text, LABELS) == text.replace("<Kid>", ""), text
    assert split_voice_markup("if 3 < 5 <Kid>yes</Kid>", LABELS) == [
        VoiceSpan(None, "if 3 < 5 "),
        VoiceSpan("Kid", "yes"),
    ]


def test_a_possible_tag_left_at_the_end_is_text() -> None:
    assert stream(["Wait for <Narr"]) == [VoiceSpan(None, "Wait for <Narr")]
    assert stream(["<Kid>see </"]) == [VoiceSpan("Kid", "see </")]


def test_nothing_longer_than_a_tag_is_held_back() -> None:
    splitter = VoiceMarkupSplitter(LABELS)
    assert splitter.push("<") == []
    spans = splitter.push("a" * 40)
    assert spans == [VoiceSpan(None, "<" + "a" * 40)]


def test_labels_that_cannot_be_told_from_text_are_ignored() -> None:
    assert split_voice_markup("<a>b>hi", ["a>b"]) == [VoiceSpan(None, "b>hi")]


def test_strip_keeps_the_text_the_transcript_shows() -> None:
    text = "<Narrator>Once</Narrator>, <Ghost>said</Ghost> <Old Man>he</Old Man>."
    assert strip_voice_markup(text, LABELS) == "Once, said he."
    assert strip_voice_markup("<b>Bold</b> claim") == "Bold claim"
    assert strip_voice_markup("no markup at all") == "no markup at all"


# --- properties ------------------------------------------------------------------------------

# Text rich in the characters markup is made of, and in pieces of the labels.
_pieces = st.sampled_from(
    ["<", ">", "/", "</", "Narrator", "Old Man", "Kid", "kid", "Nar", "Ghost", " ", "a", "3", "-"]
)
markup_text = st.lists(_pieces | st.text(max_size=3), max_size=40).map("".join)


def cut(text: str, at: set[int]) -> list[str]:
    """`text` in pieces, cut at the positions `at`."""
    bounds = [0, *sorted(at), len(text)]
    return [text[a:b] for a, b in pairwise(bounds)]


@st.composite
def split_text(draw: st.DrawFn) -> tuple[str, list[str]]:
    text = draw(markup_text)
    return text, cut(text, draw(st.sets(st.integers(0, len(text)), max_size=12)))


@given(split_text())
def test_any_split_gives_the_spans_of_the_whole(case: tuple[str, list[str]]) -> None:
    text, deltas = case
    assert stream(deltas) == stream([text]) == split_voice_markup(text, LABELS)


@given(markup_text)
def test_span_texts_make_the_stripped_text(text: str) -> None:
    spans = split_voice_markup(text, LABELS)
    assert "".join(span.text for span in spans) == strip_voice_markup(text, LABELS)
    assert all(span.text for span in spans)
    assert all(a.label != b.label for a, b in pairwise(spans))


_plain = st.text(st.characters(blacklist_characters="<>"), max_size=12)
_segments = st.lists(st.tuples(st.sampled_from([None, *LABELS]), _plain), max_size=8)


@given(_segments, st.data())
def test_marked_up_segments_come_back_as_spans(
    segments: list[tuple[str | None, str]], data: st.DataObject
) -> None:
    text = "".join(
        body if label is None else f"<{label}>{body}</{label}>" for label, body in segments
    )
    deltas = cut(text, data.draw(st.sets(st.integers(0, len(text)), max_size=10)))
    expected = merge_spans(VoiceSpan(label, body) for label, body in segments)
    assert stream(deltas) == expected
    assert strip_voice_markup(text, LABELS) == "".join(body for _, body in segments)
