"""First start: a default workspace and its admin key, created once on an empty store."""

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.security.api_keys import generate_api_key, hash_api_key, key_hint
from openconvai.store import workspaces

DEFAULT_WORKSPACE_NAME = "Default workspace"


async def ensure_default_workspace(session: AsyncSession, admin_key: str | None) -> str | None:
    """Create the default workspace and admin key if the store has no workspace.

    Returns the new admin key in plain text (to be shown once), or None when the store was
    already set up. `admin_key` replaces the random key, for automated deployments.
    """
    if await workspaces.count_workspaces(session) > 0:
        return None
    workspace = await workspaces.add_workspace(session, DEFAULT_WORKSPACE_NAME)
    key = admin_key or generate_api_key()
    await workspaces.add_api_key(
        session, workspace.id, "admin", hash_api_key(key), key_hint(key), is_admin=True
    )
    await session.commit()
    return key
