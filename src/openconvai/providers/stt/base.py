"""The streaming speech-to-text protocol: partial transcripts while the user speaks."""

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from openconvai.providers.vad.base import Frame

PartialCallback = Callable[[str], None]


class SttStream(Protocol):
    """Recognition of one conversation's user speech, utterance by utterance."""

    def push(self, frame: Frame) -> None:
        """Add a 20 ms frame of 16 kHz mono PCM of the current utterance (never blocks)."""
        ...

    async def finish(self) -> str:
        """The final transcript of the audio pushed since the last finish or reset.

        If the call is cancelled (the user spoke again), the audio stays: the next finish
        transcribes it together with what follows, as one turn.
        """
        ...

    async def preview(self) -> str | None:
        """The transcript of the current utterance so far, keeping its audio.

        The session asks at the user's first pause, to start the reply before the turn is
        over. None when the recognizer cannot tell early (the reply then waits for finish).
        """
        ...

    def reset(self) -> None:
        """Drop the audio pushed so far (it was noise, not a turn)."""
        ...

    async def aclose(self) -> None:
        """Release the stream's resources."""
        ...


class SpeechToText(Protocol):
    """A recognizer shared by every conversation of the process."""

    def stream(
        self, *, language: str, keywords: Sequence[str], on_partial: PartialCallback
    ) -> SttStream:
        """A new stream; `on_partial` receives tentative transcripts as they change."""
        ...


@runtime_checkable
class KnowsLanguages(Protocol):
    """A recognizer that can say up front which languages it transcribes."""

    def languages(self) -> frozenset[str]:
        """ISO 639-1 codes it transcribes."""
        ...
