"""Run an ASGI app under uvicorn on 127.0.0.1, on a free port, in a background thread."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp


@contextmanager
def serve(app: ASGIApp, *, websockets: bool = False) -> Iterator[str]:
    """Serve `app` while the block runs; yields its base URL (`http://127.0.0.1:PORT`).

    `websockets` serves WebSocket routes too, with the sans-I/O implementation (the
    legacy one is deprecated and would warn).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="off",
        ws="websockets-sansio" if websockets else "none",
        log_config=None,
        log_level="warning",
        access_log=False,
        # A stalled handler whose client never hung up must not hold the test's teardown.
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"fake-vendor-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake vendor server did not start")
            time.sleep(0.005)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
