"""Cut streamed LLM text into pieces worth synthesizing: sentences, or early clauses."""

import re

_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s+")
_CLAUSE_END = re.compile(r"[,;:\u2014\u2013]\s+")  # comma, semicolon, colon, em/en dash


class SentenceChunker:
    """Collects text deltas and hands out complete segments as soon as they are safe to say.

    The first segment may end at a clause once it has `first_clause_chars` characters, so
    the first audio leaves before the LLM finishes its first sentence; later segments end
    at sentence boundaries (or clauses past `max_chars`), which sounds more natural.
    """

    def __init__(self, first_clause_chars: int = 24, max_chars: int = 200) -> None:
        self._buffer = ""
        self._first = True
        self._first_clause_chars = first_clause_chars
        self._max_chars = max_chars

    def push(self, delta: str) -> list[str]:
        """Add text; the segments now complete."""
        self._buffer += delta
        segments: list[str] = []
        while True:
            cut = self._cut_point()
            if cut is None:
                return segments
            segment, self._buffer = self._buffer[:cut].strip(), self._buffer[cut:]
            if segment:
                segments.append(segment)
                self._first = False

    def flush(self) -> str | None:
        """Whatever remains at the end of the reply."""
        rest, self._buffer = self._buffer.strip(), ""
        return rest or None

    def _cut_point(self) -> int | None:
        sentence = _SENTENCE_END.search(self._buffer)
        if sentence:
            return sentence.end()
        clause_allowed = (self._first and len(self._buffer) >= self._first_clause_chars) or (
            len(self._buffer) >= self._max_chars
        )
        if clause_allowed:
            clauses = list(_CLAUSE_END.finditer(self._buffer))
            if clauses:
                return clauses[-1].end()
        return None


class VoicedSegments:
    """Segments as `SentenceChunker` cuts them, never spanning a change of voice.

    Text comes in spans tagged with a voice label (None: the agent's default voice); a
    change of voice ends the segment in progress, so each segment is said by one voice.
    """

    def __init__(self) -> None:
        self._chunker = SentenceChunker()
        self._voice: str | None = None

    def push(self, voice: str | None, text: str) -> list[tuple[str | None, str]]:
        """Add text said by `voice`; the segments now complete, each with its voice."""
        segments: list[tuple[str | None, str]] = []
        if voice != self._voice:
            rest = self._chunker.flush()
            if rest:
                segments.append((self._voice, rest))
            self._voice = voice
        segments.extend((voice, segment) for segment in self._chunker.push(text))
        return segments

    def flush(self) -> list[tuple[str | None, str]]:
        """The last segment, at the end of the reply."""
        rest = self._chunker.flush()
        return [(self._voice, rest)] if rest else []
