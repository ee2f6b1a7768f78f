"""The embedded models of this process: loaded once, on start or first use, then shared."""

import importlib.util
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from openconvai.model_store.catalog import PIPER_JOE, QWEN_05B, SILERO_VAD, WHISPER_BASE, models_dir
from openconvai.providers.inference import InferencePool
from openconvai.settings import Settings

if TYPE_CHECKING:
    from openconvai.providers.llm.local_llama import LocalLlama
    from openconvai.providers.stt.whisper import WhisperStt
    from openconvai.providers.tts.local_voices import LocalVoices
    from openconvai.providers.vad.silero import SileroVad

logger = logging.getLogger(__name__)
T = TypeVar("T")

# CTranslate2's OpenMP workers would spin-wait between decodes, like llama.cpp's: on a
# small machine shared by several models, waiting threads must sleep.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_LOCAL_MODULES = ("onnxruntime", "webrtcvad", "faster_whisper", "xllamacpp", "piper")


@dataclass(frozen=True)
class ModelPaths:
    """Where each local model is, as settings and installs decide (None: not available)."""

    vad: Path | None
    whisper: str | None
    llm: Path | None
    piper: Path | None


def model_paths(settings: Settings) -> ModelPaths:
    """The local models this process can load."""
    if not settings.local_models or not all(
        importlib.util.find_spec(name) is not None for name in _LOCAL_MODULES
    ):
        return ModelPaths(None, None, None, None)
    vad = SILERO_VAD.path(settings)
    llm = settings.local_llm_model or (
        QWEN_05B.joined_path(settings) if QWEN_05B.installed(settings) else None
    )
    whisper: str | None = settings.local_whisper_model
    if whisper == "base":
        whisper = str(WHISPER_BASE.path(settings)) if WHISPER_BASE.installed(settings) else None
    piper = settings.local_piper_voice or PIPER_JOE.path(settings)
    return ModelPaths(
        vad=vad if vad is not None and vad.exists() else None,
        whisper=whisper,
        llm=llm if llm is not None and llm.exists() else None,
        piper=piper if piper is not None and piper.exists() else None,
    )


class LocalModels:
    """Loads each embedded model at most once per process, thread-safely."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = model_paths(settings)
        self.threads = settings.local_threads or os.cpu_count() or 1
        self._lock = threading.Lock()
        self._loaded: dict[str, object] = {}
        self._failed: set[str] = set()
        self.load_secs: dict[str, float] = {}

    def _pool(self, name: str, error_type: str) -> InferencePool:
        return InferencePool(
            name, workers=1, queue_limit=self.settings.local_queue_limit, error_type=error_type
        )

    def _once(self, name: str, build: Callable[[], T]) -> T | None:
        """The model `build` makes, built on first call; None for good if it failed."""
        with self._lock:
            if name in self._failed:
                return None
            if name not in self._loaded:
                started = time.perf_counter()
                try:
                    self._loaded[name] = build()
                except Exception:
                    logger.exception("the local %s model failed to load; it falls back", name)
                    self._failed.add(name)
                    return None
                self.load_secs[name] = time.perf_counter() - started
                logger.info("loaded the local %s model in %.1f s", name, self.load_secs[name])
            return self._loaded[name]  # type: ignore[return-value]

    def loaded(self, name: str) -> bool:
        """Whether the model of family `name` is loaded."""
        return name in self._loaded

    def vad(self) -> "SileroVad | None":
        """The Silero detector, or None."""
        path = self.paths.vad
        if path is None:
            return None
        from openconvai.providers.vad.silero import SileroVad

        return self._once("vad", lambda: SileroVad(path, self._pool("vad", "vad_error")))

    def stt(self) -> "WhisperStt | None":
        """The Whisper recognizer, or None."""
        model = self.paths.whisper
        if model is None:
            return None
        from openconvai.providers.stt.whisper import WhisperStt

        download = models_dir(self.settings) / "whisper"

        def build() -> WhisperStt:
            stt = WhisperStt(
                model,
                self._pool("asr", "asr_transcription_error"),
                self.threads,
                download_root=download,
            )
            stt.warm_up()
            return stt

        return self._once("asr", build)

    def llm(self) -> "LocalLlama | None":
        """The llama.cpp model, or None."""
        path = self.paths.llm
        if path is None:
            return None
        from openconvai.providers.llm.local_llama import LocalLlama

        settings = self.settings
        return self._once(
            "llm",
            lambda: LocalLlama(
                path,
                context=settings.local_llm_context,
                parallel=settings.local_llm_parallel,
                threads=self.threads,
                timeout_secs=settings.llm_timeout_secs,
            ),
        )

    def tts(self) -> "LocalVoices | None":
        """The local voices, or None."""
        path = self.paths.piper
        if path is None:
            return None
        from openconvai.providers.tts.espeak import EspeakSynthesizer
        from openconvai.providers.tts.local_voices import SAMPLE_RATE, LocalVoices
        from openconvai.providers.tts.piper_voice import PiperSynthesizer

        def build() -> LocalVoices:
            piper = PiperSynthesizer(path, self._pool("tts", "tts_cascade_error"), self.threads)
            piper.warm_up()
            espeak = EspeakSynthesizer(SAMPLE_RATE) if shutil.which("espeak-ng") else None
            return LocalVoices({path.name.removesuffix(".onnx"): piper}, espeak)

        return self._once("tts", build)

    def preload(self) -> None:
        """Load every available model now (called in a thread at server start)."""
        self.vad()
        self.stt()
        self.llm()
        self.tts()
