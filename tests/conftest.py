"""Shared fixtures: a fresh store per test on SQLite and PostgreSQL, and API clients."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from openconvai.app import create_app
from openconvai.settings import Settings
from openconvai.state import AppState
from tests.support.databases import fresh_database

ADMIN_KEY = "sk_" + "a1" * 24

BOTH_DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BOTH_DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database: every test using it runs once on each store."""
    async with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Server settings pointing at the test's own data directory and database."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        admin_api_key=ADMIN_KEY,
        # Tests of the platform run on the scripted pipeline; the embedded models have
        # tests of their own (tests/local).
        local_models=False,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """A started application: migrated store, default workspace with the admin key."""
    application = create_app(settings, announce_admin_key=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def app_state(app: FastAPI) -> AppState:
    """What the started application holds: settings, store, secret box."""
    state: AppState = app.state.openconvai
    return state


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app in-process, authenticated with the admin key."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"xi-api-key": ADMIN_KEY}
    ) as http:
        yield http
