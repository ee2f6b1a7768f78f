"""A benchmark's server: `openconvai serve` in a child process, and what /proc says of it."""

import asyncio
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from placement import free_port, pin

HEALTH_PROBES = 600  # at least a minute: the embedded models take a while to load


class ServerGone(RuntimeError):
    """The server process is no more (it crashed, or something else stopped it)."""


def _proc(pid: int, name: str) -> str:
    try:
        return Path(f"/proc/{pid}/{name}").read_text()
    except FileNotFoundError:
        raise ServerGone(f"server process {pid} is gone") from None


def cpu_secs(pid: int) -> float:
    """utime + stime of a whole process (all its threads), in seconds."""
    fields = _proc(pid, "stat").rpartition(")")[2].split()
    # After the command name: state is field 3, utime field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process, in MB."""
    for line in _proc(pid, "status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass(frozen=True)
class Server:
    """A running server process."""

    base_url: str
    pid: int
    log_path: Path
    admin_key: str

    @property
    def ws_url(self) -> str:
        """The conversation WebSocket endpoint, without its query."""
        return self.base_url.replace("http://", "ws://", 1) + "/v1/convai/conversation"

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@asynccontextmanager
async def serve(
    workdir: Path, env: Mapping[str, str | None], cpu: int | None = None
) -> AsyncIterator[Server]:
    """Run `openconvai serve` until the block ends, then stop it (SIGTERM).

    Its store lives in `workdir`; `env` overrides the inherited environment, a None value
    removing the variable; `cpu`, where given, is the one CPU the server may run on.
    """
    port = free_port()
    admin_key = "sk_" + secrets.token_hex(24)
    merged: dict[str, str | None] = {
        **os.environ,
        "OPENCONVAI_DATA_DIR": str(workdir / "data"),
        "OPENCONVAI_ADMIN_API_KEY": admin_key,
        # A shared database would mix this run's rows with someone else's.
        "OPENCONVAI_DATABASE_URL": None,
        **env,
    }
    environment = {name: value for name, value in merged.items() if value is not None}
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "openconvai", "serve", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=log,
            preexec_fn=None if cpu is None else lambda: pin(cpu),
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(HEALTH_PROBES):
                if process.returncode is not None:
                    raise RuntimeError(f"server exited early:\n{log_path.read_text()}")
                with suppress(httpx.HTTPError):
                    if (await probe.get(f"{base}/healthz", timeout=2)).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"server did not become healthy:\n{log_path.read_text()}")
        yield Server(base, process.pid, log_path, admin_key)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                await process.wait()
