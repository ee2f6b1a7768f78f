"""Where a benchmark's processes run: a free loopback port, and one CPU each."""

import os
import socket
from contextlib import suppress


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pin(cpu: int) -> None:
    """Keep the calling process on one CPU (server and load apart), where the OS allows."""
    with suppress(AttributeError, OSError):
        if cpu < (os.cpu_count() or 1):
            os.sched_setaffinity(0, {cpu})
