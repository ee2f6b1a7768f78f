"""A deterministic recognizer of the tone-code test signal (see `providers.tone_code`)."""

from collections.abc import Sequence

from openconvai.providers.stt.base import PartialCallback
from openconvai.providers.tone_code import ToneDecoder
from openconvai.providers.vad.base import Frame

# Partials every 100 ms, like a real streaming recognizer; more would only add traffic.
_PARTIAL_EVERY_FRAMES = 5


class ToneCodeSttStream:
    """Decodes tone-coded speech as it arrives, with partials as the text grows."""

    def __init__(self, on_partial: PartialCallback) -> None:
        self._decoder = ToneDecoder()
        self._on_partial = on_partial
        self._frames = 0
        self._last_partial = ""

    def push(self, frame: Frame) -> None:
        """Add a frame; report a partial when the decoded text changed."""
        self._decoder.push(frame)
        self._frames += 1
        if self._frames % _PARTIAL_EVERY_FRAMES == 0:
            text = self._decoder.text()
            if text and text != self._last_partial:
                self._last_partial = text
                self._on_partial(text)

    async def finish(self) -> str:
        """The decoded utterance; the stream starts afresh."""
        text = self._decoder.text()
        self.reset()
        return text

    async def preview(self) -> str | None:
        """What was decoded so far; the audio stays."""
        return self._decoder.text()

    def reset(self) -> None:
        """Drop what was pushed."""
        self._decoder.reset()
        self._frames = 0
        self._last_partial = ""

    async def aclose(self) -> None:
        """Nothing to release."""


class ToneCodeStt:
    """The scripted recognizer."""

    def stream(
        self, *, language: str, keywords: Sequence[str], on_partial: PartialCallback
    ) -> ToneCodeSttStream:
        """A new stream (language and keywords do not apply to the test signal)."""
        return ToneCodeSttStream(on_partial)
