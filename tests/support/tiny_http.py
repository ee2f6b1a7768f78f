"""A tiny HTTP/1.1 server on a loopback address, for tests of outbound calls (webhooks, ...).

It records every request it gets (and the TLS server name asked for) and answers by path:
`/redirect?to=URL` (302 to URL), `/loop` (302 to itself), `/big?n=N` (N bytes with a
Content-Length), `/stream?n=N` (N bytes chunked, no length), `/slow` (never answers), anything
else 200 `ok`.
"""

import asyncio
import datetime
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Seen:
    """One request the server got."""

    method: str
    target: str
    headers: dict[str, str]
    local_address: str  # the address of ours the client connected to


@dataclass
class TinyServer:
    host: str
    port: int
    scheme: str
    seen: list[Seen] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str = "/ok") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{path}"


@asynccontextmanager
async def tiny_server(
    host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
) -> AsyncIterator[TinyServer]:
    """Serve on `host` (a free port) until the block ends; `tls` makes it https."""
    state = TinyServer(host, 0, "https" if tls else "http")
    handlers: set[asyncio.Task[None]] = set()
    writers: set[asyncio.StreamWriter] = set()
    if tls is not None:
        tls.sni_callback = lambda _sock, name, _ctx: state.server_names.append(name)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        writers.add(writer)
        try:
            await _serve_connection(state, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writers.discard(writer)
            writer.close()

    server = await asyncio.start_server(handle, host, 0, ssl=tls)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        state.stopping.set()
        for writer in list(writers):
            writer.transport.abort()
        await asyncio.wait_for(asyncio.gather(*handlers, return_exceptions=True), 5)
        await server.wait_closed()


async def _serve_connection(
    state: TinyServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    local = str(writer.get_extra_info("sockname")[0])
    while True:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *lines = head.split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = {}
        for line in lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        await reader.readexactly(int(headers.get("content-length", "0")))
        state.seen.append(Seen(method, target, headers, local))
        await _answer(state, target, writer)


async def _answer(state: TinyServer, target: str, writer: asyncio.StreamWriter) -> None:
    parts = urlsplit(target)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    if parts.path == "/redirect":
        writer.write(_head(302, {"location": query["to"], "content-length": "0"}))
    elif parts.path == "/loop":
        writer.write(_head(302, {"location": "/loop", "content-length": "0"}))
    elif parts.path == "/big":
        size = int(query["n"])
        writer.write(_head(200, {"content-length": str(size)}) + b"x" * size)
    elif parts.path == "/stream":
        writer.write(_head(200, {"transfer-encoding": "chunked"}))
        left = int(query["n"])
        while left > 0:
            piece = min(left, CHUNK)
            writer.write(f"{piece:x}\r\n".encode() + b"x" * piece + b"\r\n")
            await writer.drain()
            left -= piece
        writer.write(b"0\r\n\r\n")
    elif parts.path == "/slow":
        await state.stopping.wait()
        return
    else:
        writer.write(_head(200, {"content-length": "2", "content-type": "text/plain"}) + b"ok")
    await writer.drain()


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X", *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def tls_contexts(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for `name` (signed by a test CA), and a client
    context trusting only that CA."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "openconvai test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "leaf.pem", tmp_path / "leaf.key"
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(
        cadata=ca.public_bytes(serialization.Encoding.PEM).decode("ascii")
    )
    return server, client
