"""Whisper (faster-whisper / CTranslate2) as a streaming recognizer.

Whisper pads every input to 30 s, which costs ~0.75 s of encoding on two cores whatever
the length. CTranslate2 accepts shorter mel windows, so an utterance is encoded in a window
just longer than itself: 0.2-0.3 s for a sentence, with the same words. Tentative
transcripts come from re-decoding the growing utterance about once a second, and the
session may ask for a `preview` at the user's first pause to start its reply early.
"""

import asyncio
import contextlib
import math
from collections.abc import Sequence
from pathlib import Path

import ctranslate2
import numpy as np
import numpy.typing as npt
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import _LANGUAGE_CODES, Tokenizer

from openconvai.providers.inference import InferenceBusy, InferencePool
from openconvai.providers.stt.base import PartialCallback
from openconvai.providers.vad.base import Frame

Floats = npt.NDArray[np.float32]

_RATE = 16000
_MEL_FRAMES_PER_SEC = 100
_MIN_WINDOW = 800  # 8 s: shorter windows start to lose words
_MAX_WINDOW = 3000  # Whisper's own 30 s
_MARGIN = 200  # 2 s of padding after the speech
_NO_SPEECH = 0.6
_PARTIAL_EVERY_FRAMES = 50  # a tentative transcript per second of speech


class UnsupportedLanguage(ValueError):
    """The recognizer cannot transcribe this language."""


class WhisperStt:
    """One Whisper model shared by every conversation, decoding one utterance at a time."""

    def __init__(
        self, model: str | Path, pool: InferencePool, threads: int, *, download_root: Path
    ) -> None:
        # A directory is used as is; a size name ("small", ...) is fetched once into
        # `download_root`, which needs a network the embedded default never does.
        local = Path(model).is_dir()
        self._whisper = WhisperModel(
            str(model), device="cpu", compute_type="int8", cpu_threads=threads,
            download_root=None if local else str(download_root), local_files_only=local,
        )  # fmt: skip
        self._pool = pool
        self._tokenizers: dict[str, Tokenizer] = {}

    def warm_up(self) -> None:
        """Decode a second of quiet once, so the first user does not pay for lazy setup."""
        self._decode(np.zeros(_RATE, dtype=np.float32) + 1e-4, "en", "")

    def languages(self) -> frozenset[str]:
        """Languages it transcribes (ISO 639-1 codes)."""
        if not self._whisper.model.is_multilingual:
            return frozenset({"en"})
        return frozenset(_LANGUAGE_CODES)

    def stream(
        self, *, language: str, keywords: Sequence[str], on_partial: PartialCallback
    ) -> "WhisperSttStream":
        """A recognizer for one conversation; `UnsupportedLanguage` for a language it lacks."""
        code = language.split("-")[0].lower() or "en"
        if code not in self.languages():
            raise UnsupportedLanguage(f"the local recognizer does not transcribe {language!r}")
        return WhisperSttStream(self, code, " ".join(keywords), on_partial)

    async def transcribe(self, audio: Floats, language: str, prompt: str, *, urgent: bool) -> str:
        """The text of `audio` (16 kHz float). Non-urgent work is skipped when the model is busy."""
        if not urgent and self._pool.pending:
            raise InferenceBusy("asr_transcription_error", "the recognizer is busy")
        return await self._pool.run(lambda: self._decode(audio, language, prompt))

    def _decode(self, audio: Floats, language: str, prompt: str) -> str:
        if audio.size > (_MAX_WINDOW - _MARGIN) * _RATE // _MEL_FRAMES_PER_SEC:
            segments, _info = self._whisper.transcribe(
                audio, language=language, beam_size=1, initial_prompt=prompt or None,
                condition_on_previous_text=False, without_timestamps=True,
            )  # fmt: skip
            return " ".join(segment.text.strip() for segment in segments).strip()
        features = self._whisper.feature_extractor(audio, padding=0)
        length = features.shape[-1]
        window = min(_MAX_WINDOW, max(_MIN_WINDOW, math.ceil((length + _MARGIN) / 100) * 100))
        padded = np.zeros((features.shape[0], window), dtype=np.float32)
        padded[:, : min(length, window)] = features[:, :window]
        tokenizer = self._tokenizer(language)
        tokens = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        if prompt:
            tokens = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt.strip())[-100:], *tokens]
        result = self._whisper.model.generate(
            ctranslate2.StorageView.from_array(padded[None]),
            [tokens],
            beam_size=1,
            max_length=224,
            return_no_speech_prob=True,
        )[0]
        if result.no_speech_prob > _NO_SPEECH:
            return ""
        return str(tokenizer.decode(result.sequences_ids[0])).strip()

    def _tokenizer(self, language: str) -> Tokenizer:
        tokenizer = self._tokenizers.get(language)
        if tokenizer is None:
            tokenizer = Tokenizer(
                self._whisper.hf_tokenizer,
                self._whisper.model.is_multilingual,
                task="transcribe",
                language=language,
            )
            self._tokenizers[language] = tokenizer
        return tokenizer


class WhisperSttStream:
    """One conversation's utterance audio, decoded on demand."""

    def __init__(
        self, model: WhisperStt, language: str, prompt: str, on_partial: PartialCallback
    ) -> None:
        self._model = model
        self._language = language
        self._prompt = prompt
        self._on_partial = on_partial
        self._frames: list[Frame] = []
        self._since_partial = 0
        self._partial_task: asyncio.Task[None] | None = None
        self._last_partial = ""

    def push(self, frame: Frame) -> None:
        """Add a frame; now and then decode what was said so far as a tentative transcript."""
        self._frames.append(frame)
        self._since_partial += 1
        if self._since_partial >= _PARTIAL_EVERY_FRAMES and (
            self._partial_task is None or self._partial_task.done()
        ):
            self._since_partial = 0
            self._partial_task = asyncio.create_task(self._partial(len(self._frames)))

    async def preview(self) -> str | None:
        """The transcript of the utterance so far, leaving its audio in place."""
        return await self._transcribe(len(self._frames))

    async def finish(self) -> str:
        """The final transcript; the audio is dropped only once it is decoded."""
        count = len(self._frames)
        text = await self._transcribe(count)
        del self._frames[:count]
        self._since_partial = 0
        self._last_partial = ""
        return text

    def reset(self) -> None:
        """Drop the utterance."""
        self._frames.clear()
        self._since_partial = 0
        self._last_partial = ""

    async def aclose(self) -> None:
        """Stop a tentative decode in flight."""
        self.reset()
        if self._partial_task is not None:
            self._partial_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._partial_task

    async def _transcribe(self, count: int, *, urgent: bool = True) -> str:
        if count == 0:
            return ""
        audio = np.concatenate(self._frames[:count]).astype(np.float32) / 32768.0
        return await self._model.transcribe(audio, self._language, self._prompt, urgent=urgent)

    async def _partial(self, count: int) -> None:
        try:
            text = await self._transcribe(count, urgent=False)
        except InferenceBusy:
            return
        if text and text != self._last_partial and self._frames:
            self._last_partial = text
            self._on_partial(text)
