"""With no network at all, the official SDK holds a spoken conversation on the defaults."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.local.conftest import REPO
from tests.support.missing import missing
from tests.support.wer import word_error_rate

pytestmark = pytest.mark.slow


def run_offline(models_dir: Path, out: Path) -> dict[str, object]:
    """Run the scenario in a new network namespace that has only loopback."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        missing("unshare and ip (util-linux, iproute2) are needed to cut the network off")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        missing(f"cannot create a network namespace here: {probe.stderr.decode().strip()}")
    command = f"ip link set lo up && exec {sys.executable} -m tests.local.offline_scenario {out}"
    env = {**os.environ, "OPENCONVAI_MODELS_DIR": str(models_dir)}
    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_spoken_conversation_with_no_network(
    models_dir: Path, espeak: None, tmp_path: Path
) -> None:
    outcome = run_offline(models_dir, tmp_path / "outcome.json")
    log = str(outcome["server_log"])
    question = str(outcome["question"])
    conversations = outcome["conversations"]
    assert isinstance(conversations, list) and len(conversations) == 2
    for conversation in conversations:
        heard = " ".join(conversation["user_transcripts"])
        assert word_error_rate(question, heard) <= 0.15, heard
        assert any(text.strip() for text in conversation["agent_responses"])
        # Decodable 16 kHz PCM (the default format), seconds of it, clearly not silence.
        assert conversation["audio_samples"] > 16000
        assert conversation["audio_dbfs"] > -40
    # Each model was loaded once, at start, not per conversation.
    for family in ("vad", "asr", "llm", "tts"):
        assert log.count(f"loaded the local {family} model") == 1, log[-2000:]
    _, rss_first, rss_second = outcome["rss_mb"]  # type: ignore[misc]
    # A second conversation costs no model's worth of memory: the models hold 700 MB, and
    # what grows is the LLM's key/value cache for one more slot (12 kB per token).
    assert rss_second - rss_first < 60, outcome["rss_mb"]
    first, second = conversations
    assert second["secs"] < first["secs"] + 5
    assert np.isfinite(first["audio_dbfs"])
