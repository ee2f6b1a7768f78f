"""Queries on workspaces and their API keys."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.clock import now_ms
from openconvai.security.ids import new_id
from openconvai.store.models import ApiKey, Workspace


async def count_workspaces(session: AsyncSession) -> int:
    """How many workspaces exist."""
    return int(await session.scalar(select(func.count()).select_from(Workspace)) or 0)


async def add_workspace(session: AsyncSession, name: str) -> Workspace:
    """Insert a new workspace (not committed)."""
    workspace = Workspace(
        id=new_id("ws"),
        name=name,
        created_at_ms=now_ms(),
        convai_settings={},
        dashboard_settings={},
    )
    session.add(workspace)
    await session.flush()
    return workspace


async def get_workspace(session: AsyncSession, workspace_id: str) -> Workspace | None:
    """The workspace with this id, if any."""
    return await session.get(Workspace, workspace_id)


async def first_workspace(session: AsyncSession) -> Workspace | None:
    """The workspace created first: the default one."""
    query = select(Workspace).order_by(Workspace.created_at_ms, Workspace.id).limit(1)
    return await session.scalar(query)


async def update_workspace_settings(
    session: AsyncSession, workspace: Workspace, field: str, value: dict[str, Any]
) -> None:
    """Replace one settings document of a workspace (not committed)."""
    setattr(workspace, field, value)
    await session.flush()


async def add_api_key(
    session: AsyncSession, workspace_id: str, name: str, key_hash: str, hint: str, is_admin: bool
) -> ApiKey:
    """Insert a key row holding only the key's digest (not committed)."""
    row = ApiKey(
        id=new_id("key", 16),
        workspace_id=workspace_id,
        name=name,
        key_hash=key_hash,
        hint=hint,
        is_admin=is_admin,
        created_at_ms=now_ms(),
    )
    session.add(row)
    await session.flush()
    return row


async def find_active_key(session: AsyncSession, key_hash: str) -> ApiKey | None:
    """The unrevoked key with this digest, if any."""
    query = select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at_ms.is_(None))
    return await session.scalar(query)


async def list_api_keys(session: AsyncSession) -> Sequence[ApiKey]:
    """Every key of every workspace, oldest first (for the operator's CLI)."""
    return (await session.scalars(select(ApiKey).order_by(ApiKey.created_at_ms))).all()


async def revoke_api_key(session: AsyncSession, key_id: str) -> bool:
    """Mark a key revoked; False if there is no such unrevoked key (not committed)."""
    row = await session.get(ApiKey, key_id)
    if row is None or row.revoked_at_ms is not None:
        return False
    row.revoked_at_ms = now_ms()
    await session.flush()
    return True
