"""`create_app()`: the FastAPI application and what it holds for its lifetime."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from openconvai import __version__
from openconvai.api import (
    agents,
    conversation_auth,
    conversations,
    health,
    llm_usage,
    llms,
    mcp_servers,
    secrets,
    tools,
    workspace_settings,
)
from openconvai.api.body_limit import BodySizeLimitMiddleware
from openconvai.api.errors import install_error_handlers
from openconvai.api.query_params import single_query_values
from openconvai.conversation.events import EndReason
from openconvai.providers.catalog import ProviderCatalog
from openconvai.security.encryption import SecretBox, load_or_create_key
from openconvai.security.outbound import OutboundGuard
from openconvai.security.signed_urls import load_or_create_signing_key
from openconvai.services.admission import Admission, LocalAdmission, RedisAdmission
from openconvai.services.bootstrap import ensure_default_workspace
from openconvai.services.conversations import fail_orphaned_conversations
from openconvai.settings import Settings
from openconvai.state import AppState
from openconvai.store import migrate
from openconvai.store.database import Database
from openconvai.transports.elevenlabs import socket as elevenlabs_socket

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, announce_admin_key: bool = True) -> FastAPI:
    """The server application. On start it migrates the store and sets up a first workspace."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.resolved_database_url
        # Alembic runs its own event loop, so it gets a thread of its own.
        await asyncio.to_thread(migrate.upgrade, url)
        database = Database(url)
        secret_key = settings.secret_key.get_secret_value() if settings.secret_key else None
        secret_box = SecretBox(load_or_create_key(secret_key, settings.data_dir))
        signing = settings.signing_key.get_secret_value() if settings.signing_key else None
        signing_key = load_or_create_signing_key(settings.data_dir, signing)
        async with database.session() as session:
            admin = settings.admin_api_key.get_secret_value() if settings.admin_api_key else None
            created_key = await ensure_default_workspace(session, admin)
            # Conversations this node left live when it last died are over: say so.
            orphans = await fail_orphaned_conversations(session, settings.resolved_node_id)
        if orphans:
            logger.warning("marked %d conversations of a previous run as failed", orphans)
        if created_key and announce_admin_key:
            _announce(created_key, from_settings=admin is not None)
        admission: Admission = (
            RedisAdmission(settings.redis_url, settings.redis_prefix)
            if settings.redis_url
            else LocalAdmission()
        )
        providers = ProviderCatalog(settings)
        # Models load once, before the first conversation, off the event loop.
        await asyncio.to_thread(providers.preload)
        state = AppState(
            settings,
            database,
            secret_box,
            signing_key,
            providers,
            admission,
            outbound=OutboundGuard.from_settings(settings),
        )
        app.state.openconvai = state
        # Everything loaded so far lives as long as the process: keep it out of the
        # collector's full passes, which otherwise pause live audio for 50-150 ms.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await state.live.end_all(EndReason.SHUTDOWN)
            await providers.aclose()
            await state.outbound.aclose()
            await admission.close()
            await database.close()

    app = FastAPI(
        title="openconvai",
        version=__version__,
        description="Self-hosted conversational voice agents, wire-compatible with the "
        "ElevenLabs Agents API.",
        lifespan=lifespan,
        dependencies=[Depends(single_query_values)],
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.include_router(health.router)
    app.include_router(agents.router)
    app.include_router(secrets.router)
    app.include_router(tools.router)
    app.include_router(mcp_servers.router)
    app.include_router(workspace_settings.router)
    app.include_router(conversations.router)
    app.include_router(conversation_auth.router)
    app.include_router(llm_usage.router)
    app.include_router(llms.router)
    app.include_router(elevenlabs_socket.router)
    return app


def _announce(key: str, *, from_settings: bool) -> None:
    if from_settings:
        print("openconvai: created the default workspace with the admin key from settings.")
        return
    print(
        "\nopenconvai: created the default workspace. Its admin API key (shown only now):\n\n"
        f"    {key}\n\nSend it as the xi-api-key header. `openconvai keys create` makes more.\n",
        flush=True,
    )
