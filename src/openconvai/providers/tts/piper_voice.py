"""Piper neural voices (ONNX), sentence by sentence, on a bounded worker pool."""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import onnxruntime as ort
from piper import PiperConfig, PiperVoice, SynthesisConfig

from openconvai.providers.inference import InferencePool
from openconvai.providers.tts.base import Voice
from openconvai.providers.vad.base import Frame


class PiperSynthesizer:
    """One loaded Piper voice, shared by every conversation that speaks with it."""

    def __init__(self, model_path: Path, pool: InferencePool, threads: int) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # ONNX Runtime's workers spin between jobs by default, stealing the cores that
        # the LLM and the recognizer need between sentences.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        config_path = model_path.with_name(model_path.name + ".json")
        self._voice = PiperVoice(
            session=ort.InferenceSession(
                str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
            ),
            config=PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8"))),
        )
        self._pool = pool
        self.language = str(self._voice.config.espeak_voice).split("-")[0]

    def warm_up(self) -> None:
        """Say a word once, so the first reply does not pay for lazy setup."""
        for phonemes in self._voice.phonemize("Hello."):
            self._speak(phonemes, SynthesisConfig())

    @property
    def sample_rate(self) -> int:
        """The voice's native rate (22.05 kHz for medium voices)."""
        return int(self._voice.config.sample_rate)

    async def synthesize(self, text: str, voice: Voice) -> AsyncIterator[Frame]:
        """Audio of `text`; Piper splits it into sentences, each yielded when ready."""
        config = SynthesisConfig(length_scale=1.0 / max(0.5, min(2.0, voice.speed)))
        sentences = await self._pool.run(lambda: self._voice.phonemize(text))
        for phonemes in sentences:
            audio = await self._pool.run(lambda p=phonemes: self._speak(p, config))  # type: ignore[misc]
            if audio.size:
                yield audio

    def _speak(self, phonemes: list[str], config: SynthesisConfig) -> Frame:
        ids = self._voice.phonemes_to_ids(phonemes)
        floats = np.asarray(self._voice.phoneme_ids_to_audio(ids, config), dtype=np.float32)
        peak = float(np.max(np.abs(floats))) if floats.size else 0.0
        if peak < 1e-8:
            return np.zeros(0, dtype=np.int16)
        # Piper's raw output level varies by sentence; normalise each to the same peak.
        return (floats * (0.9 / peak) * 32767).astype(np.int16)
