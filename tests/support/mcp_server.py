"""A real MCP server from the official SDK (`MCPServer`), in a process of its own.

`python -m tests.support.mcp_server TRANSPORT PORT` serves it over Streamable HTTP
(`streamable-http`, at `/mcp`) or the legacy HTTP+SSE transport (`sse`, at `/sse`) on
127.0.0.1. Its own process: the SDK configures the root logger, and a test can kill it.

Tools: `add(a, b)`, `whoami()` (the Authorization and X-Demo headers it got),
`fail(reason)` (a tool error), `wait(seconds)` (answers after that long).
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

Transport = Literal["streamable-http", "sse"]


@dataclass(frozen=True)
class McpProcess:
    """A running demo server: its endpoint URL and its process."""

    url: str
    process: "subprocess.Popen[bytes]"

    def kill(self) -> None:
        """Kill it at once (no goodbye to its clients)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def mcp_server(
    transport: Transport = "streamable-http", port: int | None = None
) -> Iterator[McpProcess]:
    """Start the demo server, wait until it accepts connections, stop it after the block."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.mcp_server", transport, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    path = "/mcp" if transport == "streamable-http" else "/sse"
    try:
        _wait_listening(port, process)
        yield McpProcess(f"http://127.0.0.1:{port}{path}", process)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_listening(port: int, process: "subprocess.Popen[bytes]") -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the MCP server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the MCP server did not start")


def _serve(transport: Transport, port: int) -> None:
    import uvicorn
    from mcp.server.mcpserver import Context, MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer("demo", log_level="WARNING")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @server.tool()
    def whoami(ctx: Context) -> str:
        """The credentials this call came with."""
        request = ctx.request_context.request
        headers = getattr(request, "headers", {})
        return f"authorization={headers.get('authorization')};x-demo={headers.get('x-demo')}"

    @server.tool()
    def fail(reason: str) -> str:
        """Always fails, with the reason given."""
        raise ToolError(reason)

    @server.tool()
    async def wait(seconds: float) -> str:
        """Answers after `seconds`."""
        await asyncio.sleep(seconds)
        return "waited"

    app = server.streamable_http_app() if transport == "streamable-http" else server.sse_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    _serve("sse" if sys.argv[1] == "sse" else "streamable-http", int(sys.argv[2]))
