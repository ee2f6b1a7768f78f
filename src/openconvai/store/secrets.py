"""Queries on workspace secrets (ciphertext only), always scoped to one workspace."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.store.keyset import Cursor, after, fetch_page
from openconvai.store.models import Secret


async def add_secret(session: AsyncSession, secret: Secret) -> None:
    """Insert a secret (not committed)."""
    session.add(secret)
    await session.flush()


async def get_secret(session: AsyncSession, workspace_id: str, secret_id: str) -> Secret | None:
    """The secret, if it exists in this workspace."""
    query = select(Secret).where(Secret.id == secret_id, Secret.workspace_id == workspace_id)
    return await session.scalar(query)


async def find_secret_by_name(session: AsyncSession, workspace_id: str, name: str) -> Secret | None:
    """The workspace's secret with this name, if any."""
    query = select(Secret).where(Secret.workspace_id == workspace_id, Secret.name == name)
    return await session.scalar(query)


async def existing_secret_ids(
    session: AsyncSession, workspace_id: str, secret_ids: set[str]
) -> set[str]:
    """Which of `secret_ids` exist in this workspace."""
    if not secret_ids:
        return set()
    query = select(Secret.id).where(
        Secret.workspace_id == workspace_id, Secret.id.in_(sorted(secret_ids))
    )
    return set((await session.scalars(query)).all())


async def delete_secret(session: AsyncSession, secret: Secret) -> None:
    """Remove a secret (not committed)."""
    await session.delete(secret)
    await session.flush()


async def list_secrets_page(
    session: AsyncSession,
    workspace_id: str,
    *,
    search: str | None,
    page_size: int | None,
    cursor: Cursor | None,
) -> tuple[list[Secret], Cursor | None]:
    """Secrets by name (those starting with `search`), a page at a time when `page_size` is set."""
    query = select(Secret).where(Secret.workspace_id == workspace_id)
    if search:
        query = query.where(Secret.name.startswith(search, autoescape=True))
    if cursor is not None:
        query = query.where(after(Secret.name, Secret.id, cursor, "asc"))
    query = query.order_by(Secret.name, Secret.id)
    if page_size is None:
        return list((await session.scalars(query)).all()), None
    return await fetch_page(session, query, page_size, Secret.name)
