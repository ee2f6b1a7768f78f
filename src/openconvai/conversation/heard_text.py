"""What a listener heard of an agent turn cut short: text up to the audio actually played."""

from dataclasses import dataclass

# Typical speaking rate, used to estimate how long a segment still being synthesized lasts.
_CHARS_PER_SEC = 15.0


@dataclass
class SpokenSegment:
    """A piece of the reply and how much of its audio has been sent."""

    text: str
    audio_secs: float = 0.0
    complete: bool = False

    @property
    def expected_secs(self) -> float:
        """Its full length: exact once synthesized, estimated before."""
        if self.complete:
            return self.audio_secs
        return max(self.audio_secs, len(self.text) / _CHARS_PER_SEC)


def heard_text(segments: list[SpokenSegment], heard_secs: float) -> str:
    """The text covered by the first `heard_secs` seconds of the reply's audio.

    A segment heard in part keeps the share of its words proportional to the share of its
    audio heard: speech runs at a roughly even pace within a sentence.
    """
    heard: list[str] = []
    remaining = heard_secs
    for segment in segments:
        length = segment.expected_secs
        if remaining <= 0:
            break
        if length <= 0:
            # Text the voice said as silence ("..."): nothing to hear, what follows counts.
            if segment.complete:
                heard.append(segment.text)
                continue
            break
        # A millisecond of slack: clocks and sums of chunk lengths differ in the last bits.
        if remaining >= length - 0.001:
            heard.append(segment.text)
            remaining -= length
            continue
        words = segment.text.split()
        count = int(len(words) * remaining / length)
        if count:
            heard.append(" ".join(words[:count]))
        break
    return " ".join(heard)
