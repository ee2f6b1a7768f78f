"""The `openconvai` command: first start, keys create/list/revoke, migrate."""

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.live_server import live_server, server_env

KEY_PATTERN = re.compile(r"\bsk_[0-9a-f]{48}\b")


def cli(data_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "openconvai", *args],
        env=server_env(data_dir, database_url, None),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def status(base_url: str, key: str) -> int:
    return httpx.get(f"{base_url}/v1/convai/agents", headers={"xi-api-key": key}).status_code


def first_start_and_keys(data_dir: Path, database_url: str) -> None:
    with live_server(data_dir, database_url, None) as server:
        printed = KEY_PATTERN.findall(server.log_path.read_text())
        assert len(printed) == 1, server.log_path.read_text()
        admin = printed[0]
        assert status(server.base_url, admin) == 200

        created = cli(data_dir, database_url, "keys", "create", "--name", "ci-bot").stdout
        (key,) = KEY_PATTERN.findall(created)
        key_id = re.search(r"key id: (\S+)", created).group(1)  # type: ignore[union-attr]
        assert status(server.base_url, key) == 200

        listing = cli(data_dir, database_url, "keys", "list").stdout
        assert "ci-bot" in listing and key_id in listing
        assert key not in listing and admin not in listing

        cli(data_dir, database_url, "keys", "revoke", key_id)
        assert status(server.base_url, key) == 401
        assert status(server.base_url, admin) == 200

    # A second start on the same store creates no new key.
    with live_server(data_dir, database_url, None) as server:
        assert KEY_PATTERN.findall(server.log_path.read_text()) == []
        assert status(server.base_url, admin) == 200


async def test_first_start_prints_one_admin_key_and_keys_commands(
    tmp_path: Path, database_url: str
) -> None:
    await asyncio.to_thread(first_start_and_keys, tmp_path / "data", database_url)


async def test_migrate_and_revoke_errors(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "data"
    result = await asyncio.to_thread(cli, data_dir, database_url, "migrate")
    assert "up to date" in result.stdout
    refused = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "openconvai", "keys", "revoke", "key_nope"],
        env=server_env(data_dir, database_url, None),
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1
    assert "No active API key" in refused.stdout
