"""Schemathesis fuzzes every operation of the served /openapi.json against a real server.

It must find no server error, no undocumented status, and no response that breaks its
own schema; bad input must be refused and valid input accepted.
"""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ADMIN_KEY
from tests.support.live_server import live_server

CONFIG = Path(__file__).with_name("schemathesis.toml")


async def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}"
    examples = os.environ.get("OPENCONVAI_FUZZ_EXAMPLES", "25")

    def scenario() -> subprocess.CompletedProcess[str]:
        with live_server(tmp_path / "data", database_url, ADMIN_KEY) as server:
            command = [
                sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG),
                "run", f"{server.base_url}/openapi.json",
                "--header", f"xi-api-key: {ADMIN_KEY}",
                "--checks", "all",
                "--phases", "examples,fuzzing,stateful",
                "--max-examples", examples,
                "--seed", os.environ.get("OPENCONVAI_FUZZ_SEED", "20261124"),
                "--workers", "1",
                "--no-color",
            ]  # fmt: skip
            return subprocess.run(command, capture_output=True, text=True, timeout=900)

    result = await asyncio.to_thread(scenario)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-20_000:]
    assert "No issues found" in report or " passed" in report, report[-5_000:]
