"""A fresh, empty database per test, on SQLite or on the PostgreSQL server of the machine."""

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from tests.support.missing import missing

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    """The PostgreSQL server tests use (plain libpq form)."""
    url = os.environ.get("OPENCONVAI_TEST_DATABASE_URL", DEFAULT_PG_URL)
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def postgres_available() -> bool:
    """Whether that server answers."""
    try:
        conn = await asyncpg.connect(postgres_admin_url(), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


def require_postgres_or_skip(available: bool) -> None:
    """In CI a missing server is a failure; on a workstation, a reported skip."""
    if available:
        return
    missing(f"PostgreSQL at {postgres_admin_url()} is not reachable")


@asynccontextmanager
async def fresh_database(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """The SQLAlchemy URL of a new, empty database of `kind`, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
        return
    require_postgres_or_skip(await postgres_available())
    admin = postgres_admin_url()
    name = "oc_test_" + secrets.token_hex(6)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
