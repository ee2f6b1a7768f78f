"""Multi-voice markup: `<Label>text</Label>` in a reply switches to the voice of that label.

An agent with `tts.supported_voices` lets its LLM say which voice speaks what, by wrapping
text in a tag named after a voice's label. The splitter here reads the reply as the LLM
streams it, a tag possibly cut across deltas ("<Nar", "rator>"), and hands on spans of text,
each with its voice, without a character of markup:

- a known label (any case) switches voice until its closing tag; tags nest, and a closing
  tag of a voice that is not speaking is dropped;
- a tag-shaped name that is no known label (`<Ghost>`) is dropped too, and its text keeps
  the voice around it (the default voice, outside any known tag);
- a tag left open at the end keeps its voice to the end;
- a `<` that starts no tag (`3 < 5`) is text.

Text arrives as soon as it is certain to be text: only a possible tag is held back, and
never more than the longest tag.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

# What an unknown tag may look like: anything else with `<`, `>` around it stays text.
_UNKNOWN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_UNKNOWN_MAX = 32


@dataclass(frozen=True)
class VoiceSpan:
    """Text to speak in one voice: `label` of a supported voice, or None for the default."""

    label: str | None
    text: str


class _Tag(Enum):
    TEXT = "text"  # the `<` starts no tag
    PARTIAL = "partial"  # could still become a tag: wait for more text
    TAG = "tag"


class VoiceMarkupSplitter:
    """Splits streamed LLM text into voice spans (see the module's docstring)."""

    def __init__(self, labels: Iterable[str]) -> None:
        """`labels`: the labels of the agent's supported voices."""
        self._labels: dict[str, str] = {}
        for label in labels:
            # A label with `<` or `>` in it could never be told from text around it.
            if label and "<" not in label and ">" not in label:
                self._labels.setdefault(label.casefold(), label)
        self._longest = max([_UNKNOWN_MAX, *(len(name) for name in self._labels)])
        self._voices: list[str] = []
        self._held = ""

    @property
    def voice(self) -> str | None:
        """The label of the voice speaking now; None for the default voice."""
        return self._voices[-1] if self._voices else None

    def push(self, delta: str) -> list[VoiceSpan]:
        """The spans certain after `delta`; a possible tag at its end is held back."""
        text = self._held + delta
        self._held = ""
        spans: list[VoiceSpan] = []
        start = 0
        while (opening := text.find("<", start)) >= 0:
            self._emit(spans, text[start:opening])
            kind, end = self._read_tag(text, opening)
            if kind is _Tag.PARTIAL:
                self._held = text[opening:]
                return spans
            if kind is _Tag.TEXT:
                self._emit(spans, "<")
                start = opening + 1
                continue
            self._apply(text[opening + 1 : end - 1])
            start = end
        self._emit(spans, text[start:])
        return spans

    def flush(self) -> list[VoiceSpan]:
        """The end of the reply: text held back as a possible tag is text after all."""
        held, self._held = self._held, ""
        if not held:
            return []
        # The held text starts with a `<` that never became a tag; what follows it may.
        spans: list[VoiceSpan] = []
        self._emit(spans, "<")
        spans.extend(self.push(held[1:]))
        spans.extend(self.flush())
        return merge_spans(spans)

    def _read_tag(self, text: str, opening: int) -> tuple[_Tag, int]:
        """Whether the `<` at `opening` starts a tag, and where the tag ends."""
        limit = opening + 1 + 1 + self._longest  # `<`, `/`, the name
        closing = text.find(">", opening + 1, limit + 1)
        if closing < 0:
            candidate = text[opening + 1 : limit + 1]
            if len(text) - opening - 1 > 1 + self._longest:
                return _Tag.TEXT, opening
            return (_Tag.PARTIAL if self._could_start(candidate) else _Tag.TEXT), opening
        inner = text[opening + 1 : closing]
        name = inner[1:] if inner.startswith("/") else inner
        if "<" not in name and self._is_name(name):
            return _Tag.TAG, closing + 1
        return _Tag.TEXT, opening

    def _could_start(self, candidate: str) -> bool:
        name = candidate[1:] if candidate.startswith("/") else candidate
        if not name:
            return True
        if "<" in name:
            return False
        if len(name) <= _UNKNOWN_MAX and _UNKNOWN_NAME.fullmatch(name):
            return True
        folded = name.casefold()
        return any(label.startswith(folded) for label in self._labels)

    def _is_name(self, name: str) -> bool:
        if name.casefold() in self._labels:
            return True
        return len(name) <= _UNKNOWN_MAX and _UNKNOWN_NAME.fullmatch(name) is not None

    def _apply(self, inner: str) -> None:
        closing = inner.startswith("/")
        label = self._labels.get((inner[1:] if closing else inner).casefold())
        if label is None:
            return
        if not closing:
            self._voices.append(label)
        elif label in self._voices:
            # Closing an outer voice closes the ones inside it too.
            del self._voices[len(self._voices) - 1 - self._voices[::-1].index(label) :]

    def _emit(self, spans: list[VoiceSpan], text: str) -> None:
        if not text:
            return
        voice = self.voice
        if spans and spans[-1].label == voice:
            spans[-1] = VoiceSpan(voice, spans[-1].text + text)
        else:
            spans.append(VoiceSpan(voice, text))


def merge_spans(spans: Iterable[VoiceSpan]) -> list[VoiceSpan]:
    """Adjacent spans of one voice joined, empty ones dropped (e.g. a whole reply's parts)."""
    merged: list[VoiceSpan] = []
    for span in spans:
        if not span.text:
            continue
        if merged and merged[-1].label == span.label:
            merged[-1] = VoiceSpan(span.label, merged[-1].text + span.text)
        else:
            merged.append(span)
    return merged


def split_voice_markup(text: str, labels: Iterable[str]) -> list[VoiceSpan]:
    """A complete reply's spans, one per change of voice."""
    splitter = VoiceMarkupSplitter(labels)
    return merge_spans([*splitter.push(text), *splitter.flush()])


def strip_voice_markup(text: str, labels: Iterable[str] = ()) -> str:
    """A complete reply without its voice markup, as the transcript keeps it."""
    return "".join(span.text for span in split_voice_markup(text, labels))
