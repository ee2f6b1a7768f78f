"""API keys: authentication of requests and the operator's key management."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.security.api_keys import generate_api_key, hash_api_key, key_hint
from openconvai.services.errors import NotFound, Unauthorized
from openconvai.store import workspaces
from openconvai.store.models import ApiKey


async def authenticate(session: AsyncSession, presented: str | None) -> str:
    """The workspace id a presented key belongs to; `Unauthorized` if missing or wrong."""
    if not presented:
        raise Unauthorized(
            "missing_api_key", "An API key is required: send it in the xi-api-key header."
        )
    row = await workspaces.find_active_key(session, hash_api_key(presented))
    if row is None:
        raise Unauthorized("invalid_api_key", "The API key is not valid or has been revoked.")
    return row.workspace_id


async def create_key(
    session: AsyncSession,
    name: str,
    workspace_id: str | None = None,
    new_workspace_name: str | None = None,
) -> tuple[ApiKey, str]:
    """A new key for an existing workspace (default: the first), or for a new workspace.

    Returns the row and the key in plain text, which is shown once and never stored.
    """
    if new_workspace_name:
        workspace_id = (await workspaces.add_workspace(session, new_workspace_name)).id
    elif workspace_id is None:
        default = await workspaces.first_workspace(session)
        if default is None:
            default = await workspaces.add_workspace(session, "Default workspace")
        workspace_id = default.id
    elif await workspaces.get_workspace(session, workspace_id) is None:
        raise NotFound("workspace_not_found", f"No workspace with id {workspace_id}.")
    key = generate_api_key()
    row = await workspaces.add_api_key(
        session, workspace_id, name, hash_api_key(key), key_hint(key), is_admin=False
    )
    await session.commit()
    return row, key


async def list_keys(session: AsyncSession) -> Sequence[ApiKey]:
    """Every key (hints only, never the key)."""
    return await workspaces.list_api_keys(session)


async def revoke_key(session: AsyncSession, key_id: str) -> None:
    """Revoke a key by id; `NotFound` if there is no such active key."""
    if not await workspaces.revoke_api_key(session, key_id):
        raise NotFound("api_key_not_found", f"No active API key with id {key_id}.")
    await session.commit()
