"""The Alembic migrations and the SQLAlchemy models describe the same schema."""

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from openconvai.store import migrate
from openconvai.store.database import create_engine
from openconvai.store.models import Base


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> list[str]:
    return inspect(connection).get_table_names()


async def _run(url: str, inspect_with: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(inspect_with)
    finally:
        await engine.dispose()


async def test_migrations_match_models(database_url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, database_url)
    assert await _run(database_url, _diff) == []


async def test_upgrade_is_idempotent_and_downgrade_clears(database_url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, database_url)
    await asyncio.to_thread(migrate.upgrade, database_url)
    assert "agents" in await _run(database_url, _tables)
    config = migrate.alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "base")
    assert set(await _run(database_url, _tables)) <= {"alembic_version"}
