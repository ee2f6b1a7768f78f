"""Tests of the embedded models: they need `openconvai models install` (make test runs it)."""

from pathlib import Path

import pytest

from openconvai.model_store.catalog import REQUIRED
from openconvai.settings import Settings
from tests.support.missing import missing
from tests.support.speech import espeak_available

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """The model cache `make test` fills (the repository's data/models)."""
    settings = Settings(data_dir=REPO / "data", models_dir=None)
    absent = [model.name for model in REQUIRED if not model.installed(settings)]
    if absent:
        missing(f"embedded models not installed ({', '.join(absent)}): openconvai models install")
    return REPO / "data" / "models"


@pytest.fixture(scope="session")
def espeak() -> None:
    """eSpeak NG synthesizes the questions the tests ask."""
    if not espeak_available():
        missing("espeak-ng is not installed (apt install espeak-ng)")
