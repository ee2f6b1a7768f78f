"""OpenAI transcription through the official `openai` SDK: one upload per utterance.

The transcription endpoint is not a streaming recognizer: the stream buffers the
utterance's audio and `finish()` (or `preview()`, at the user's first pause) sends it as a
WAV file. There are no partials.
"""

from collections.abc import Sequence

import numpy as np
import openai

from openconvai.audio.formats import CORE_SAMPLE_RATE
from openconvai.audio.wav import pcm16_to_wav
from openconvai.providers.access import Access
from openconvai.providers.errors import MissingCredentials, ProviderError
from openconvai.providers.stt.base import PartialCallback
from openconvai.providers.vad.base import Frame

DEFAULT_MODEL = "gpt-4o-mini-transcribe"
# The API refuses files over 25 MB; 12 minutes of 16 kHz PCM stays under that, and audio
# past it would only make the whole upload fail.
_MAX_UTTERANCE_BYTES = 12 * 60 * CORE_SAMPLE_RATE * 2
_TIMEOUT_SECS = 30.0
# Models that take `keywords`; the others are guided by a free-text `prompt` instead.
_KEYWORD_MODELS = ("gpt-transcribe",)


class OpenAiSttStream:
    """Buffers one utterance at a time and transcribes it on `finish()`."""

    def __init__(
        self, client: openai.AsyncOpenAI, model: str, language: str, keywords: Sequence[str]
    ) -> None:
        self._client = client
        self._model = model
        self._language = language.split("-")[0].lower() if language else ""
        words = [keyword for keyword in keywords if keyword]
        takes_keywords = model.startswith(_KEYWORD_MODELS)
        self._keyword_list = words if takes_keywords else []
        self._prompt = "" if takes_keywords else ", ".join(words)
        self._audio = bytearray()
        # Bumped by reset(): an upload in flight then must not drop audio pushed after it.
        self._generation = 0

    def push(self, frame: Frame) -> None:
        """Append a frame to the utterance."""
        if len(self._audio) < _MAX_UTTERANCE_BYTES:
            self._audio += frame.astype("<i2", copy=False).tobytes()

    async def finish(self) -> str:
        """Transcribe the utterance; cancelled, the audio stays for the next finish.

        Frames pushed while the upload runs belong to the next utterance and are kept.
        A failed upload drops the utterance (its turn is reported as an error).
        """
        sent = len(self._audio)
        if sent == 0:
            return ""
        generation = self._generation
        try:
            text = await self._transcribe(bytes(self._audio))
        except ProviderError:
            self._consume(generation, sent)
            raise
        self._consume(generation, sent)
        return text

    async def preview(self) -> str | None:
        """Transcribe the utterance so far, keeping its audio for `finish`."""
        if not self._audio:
            return ""
        return await self._transcribe(bytes(self._audio))

    def reset(self) -> None:
        """Drop the audio pushed so far."""
        self._audio.clear()
        self._generation += 1

    async def aclose(self) -> None:
        """Drop the buffered audio (the client belongs to the recognizer)."""
        self.reset()

    async def _transcribe(self, audio: bytes) -> str:
        samples = np.frombuffer(audio, dtype="<i2").astype(np.int16, copy=False)
        wav = pcm16_to_wav(samples, CORE_SAMPLE_RATE)
        try:
            result = await self._client.audio.transcriptions.create(
                file=("utterance.wav", wav, "audio/wav"),
                model=self._model,
                response_format="json",
                language=self._language or openai.omit,
                prompt=self._prompt or openai.omit,
                keywords=self._keyword_list or openai.omit,
            )
        except openai.APIStatusError as error:
            raise ProviderError(
                "asr_transcription_error",
                f"OpenAI transcription failed with HTTP {error.status_code}: {_reason(error)}",
            ) from error
        except openai.APIError as error:
            raise ProviderError(
                "asr_transcription_error",
                f"OpenAI transcription request failed: {type(error).__name__}: {error}",
            ) from error
        return result.text.strip()

    def _consume(self, generation: int, sent: int) -> None:
        if generation == self._generation:
            del self._audio[:sent]


class OpenAiStt:
    """OpenAI's transcription models (`gpt-4o-mini-transcribe`, `whisper-1`, ...)."""

    def __init__(self, access: Access, model: str = DEFAULT_MODEL) -> None:
        if access.api_key is None:
            raise MissingCredentials("OpenAI transcription needs an OpenAI API key")
        self.model = model
        # No SDK retries: the user is waiting for an answer, and a retry after back-off
        # costs the turn more than reporting the error does.
        self._client = openai.AsyncOpenAI(
            api_key=access.api_key,
            base_url=access.base_url,
            default_headers=dict(access.headers) or None,
            max_retries=0,
            timeout=_TIMEOUT_SECS,
        )

    def stream(
        self, *, language: str, keywords: Sequence[str], on_partial: PartialCallback
    ) -> OpenAiSttStream:
        """A new stream; `on_partial` is never called (the model transcribes whole files)."""
        return OpenAiSttStream(self._client, self.model, language, keywords)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.close()


def _reason(error: openai.APIStatusError) -> str:
    """OpenAI's own words from an error body (`{"error": {"message": ...}}`)."""
    body = error.body
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return error.message
