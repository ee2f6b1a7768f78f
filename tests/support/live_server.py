"""The real server in its own process (`openconvai serve`) on a free port."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


@dataclass(frozen=True)
class LiveServer:
    """A running server: where it listens and its admin key."""

    base_url: str
    admin_key: str | None
    process: subprocess.Popen[bytes]
    log_path: Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, database_url: str, admin_key: str | None) -> dict[str, str]:
    """The environment of a server (or CLI) process using this data directory and store."""
    env = {
        **os.environ,
        "OPENCONVAI_DATA_DIR": str(data_dir),
        "OPENCONVAI_DATABASE_URL": database_url,
        "OPENCONVAI_LOG_LEVEL": "warning",
        "OPENCONVAI_LOCAL_MODELS": "false",
    }
    env.pop("OPENCONVAI_ADMIN_API_KEY", None)
    if admin_key is not None:
        env["OPENCONVAI_ADMIN_API_KEY"] = admin_key
    return env


@contextmanager
def live_server(
    data_dir: Path,
    database_url: str,
    admin_key: str | None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[LiveServer]:
    """Start `python -m openconvai serve --port P`, wait for `/healthz`, stop it after.

    With `admin_key` None the server makes its own on a first start (see `log_path`).
    """
    port = free_port()
    env = {**server_env(data_dir, database_url, admin_key), **(extra_env or {})}
    log_path = data_dir / "server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "openconvai", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=log,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, process, log_path)
        yield LiveServer(base_url, admin_key, process, log_path)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not become healthy:\n{log_path.read_text()}")


def finished_conversation(server: LiveServer, conversation_id: str) -> dict[str, Any]:
    """The stored conversation once the server has finished it (status `done`).

    The last transcript writes land a moment after the socket closes, so this polls.
    """
    url = f"{server.base_url}/v1/convai/conversations/{conversation_id}"
    headers = {"xi-api-key": server.admin_key or ""}
    deadline = time.monotonic() + 15
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = httpx.get(url, headers=headers)
        if response.status_code == 200:
            body = response.json()
            if body.get("status") == "done":
                return body
        time.sleep(0.1)
    raise AssertionError(f"conversation {conversation_id} not done within 15 s: {body}")
