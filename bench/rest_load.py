"""REST load benchmark: requests/s and latency of one server process, SQLite and PostgreSQL.

Starts `openconvai serve` (pinned to CPU 0 where possible), then drives it from this
process (pinned to CPU 1) with a fixed number of concurrent keep-alive connections:

    python bench/rest_load.py [--duration 10] [--concurrency 32] [--stores sqlite,postgresql]

Prints, per store and operation, requests/s and p50/p90/p99 latency. The load comes from
wrk when it is installed (Debian package `wrk`), else from an httpx client in this process,
which saturates before the server does (about 250 requests/s on one core).
"""

import argparse
import asyncio
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import httpx

from placement import free_port, pin

ADMIN_KEY = "sk_" + secrets.token_hex(24)
PG_ADMIN_URL = os.environ.get(
    "OPENCONVAI_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
).replace("postgresql+asyncpg://", "postgresql://")


@asynccontextmanager
async def _database(store: str, workdir: Path) -> AsyncIterator[str]:
    if store == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        return
    import asyncpg

    name = "oc_bench_" + secrets.token_hex(4)
    conn = await asyncpg.connect(PG_ADMIN_URL)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        yield (
            PG_ADMIN_URL.rpartition("/")[0].replace("postgresql://", "postgresql+asyncpg://")
            + "/"
            + name
        )
    finally:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


@asynccontextmanager
async def _server(database_url: str, workdir: Path) -> AsyncIterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "OPENCONVAI_DATA_DIR": str(workdir / "data"),
        "OPENCONVAI_DATABASE_URL": database_url,
        "OPENCONVAI_ADMIN_API_KEY": ADMIN_KEY,
        "OPENCONVAI_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "openconvai", "serve", "--port", str(port)]
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=subprocess.DEVNULL, preexec_fn=lambda: pin(0)
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(600):
                with suppress(httpx.HTTPError):
                    if (await probe.get(f"{base}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)


async def _drive(
    call: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]],
    client: httpx.AsyncClient,
    duration: float,
    concurrency: int,
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            response = await call(client)
            latencies.append(time.perf_counter() - start)
            if response.status_code >= 400:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, errors


def _report(
    store: str, operation: str, elapsed: float, latencies: list[float], errors: int
) -> None:
    ms = sorted(value * 1000 for value in latencies)
    cuts = statistics.quantiles(ms, n=100)
    print(
        f"{store:<11} {operation:<34} {len(ms) / elapsed:>8.0f} req/s  "
        f"p50 {cuts[49]:6.1f} ms  p90 {cuts[89]:6.1f} ms  p99 {cuts[98]:6.1f} ms  "
        f"errors {errors}",
        flush=True,
    )


async def run_store(store: str, duration: float, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        async with _database(store, workdir) as url, _server(url, workdir) as base:
            limits = httpx.Limits(
                max_connections=concurrency, max_keepalive_connections=concurrency
            )
            async with httpx.AsyncClient(
                base_url=base, headers={"xi-api-key": ADMIN_KEY}, limits=limits, timeout=60
            ) as client:
                created = await client.post(
                    "/v1/convai/agents/create", json={"conversation_config": {}}
                )
                agent_id = created.json()["agent_id"]
                scenarios: list[
                    tuple[str, Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]]
                ] = [
                    (
                        "GET /v1/convai/agents/{id}",
                        lambda c: c.get(f"/v1/convai/agents/{agent_id}"),
                    ),
                    (
                        "POST /v1/convai/agents/create",
                        lambda c: c.post(
                            "/v1/convai/agents/create", json={"conversation_config": {}}
                        ),
                    ),
                ]
                wrk = shutil.which("wrk")
                for name, call in scenarios:
                    await _drive(call, client, min(2.0, duration), concurrency)  # warm-up
                    if wrk:
                        path = name.split(" ", 1)[1].replace("{id}", agent_id)
                        await _wrk(wrk, store, name, base + path, duration, concurrency)
                    else:
                        _report(store, name, *await _drive(call, client, duration, concurrency))


_POST_SCRIPT = """
wrk.method = "POST"
wrk.body = '{"conversation_config": {}}'
wrk.headers["Content-Type"] = "application/json"
"""


async def _wrk(
    wrk: str, store: str, name: str, url: str, duration: float, concurrency: int
) -> None:
    """Drive with wrk (a C load generator): the Python client tops out below the server."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_POST_SCRIPT if name.startswith("POST") else "")
        script.flush()
        process = await asyncio.create_subprocess_exec(
            wrk, "-t1", f"-c{concurrency}", f"-d{int(duration)}s", "--latency",
            "-H", f"xi-api-key: {ADMIN_KEY}", "-s", script.name, url,
            stdout=subprocess.PIPE, preexec_fn=lambda: pin(1),
        )  # fmt: skip
        output = (await process.communicate())[0].decode()
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    cuts = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    print(
        f"{store:<11} {name:<34} {float(rate.group(1)) if rate else 0:>8.0f} req/s  "
        f"p50 {cuts.get('50', '?'):>8}  p90 {cuts.get('90', '?'):>8}  "
        f"p99 {cuts.get('99', '?'):>8}  errors {errors.group(1) if errors else 0}  (wrk)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per operation")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections")
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    pin(1)
    print(
        f"one server process, {args.concurrency} connections, {args.duration:.0f} s per operation"
    )
    for store in args.stores.split(","):
        asyncio.run(run_store(store, args.duration, args.concurrency))


if __name__ == "__main__":
    main()
