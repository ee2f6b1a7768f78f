"""A live conversation's access to its workspace's secrets (tool headers, tokens)."""

from collections.abc import Awaitable, Callable

from openconvai.security.encryption import SecretBox
from openconvai.store import secrets as secret_store
from openconvai.store.database import Database


def secret_resolver(
    database: Database, secret_box: SecretBox, workspace_id: str
) -> Callable[[str], Awaitable[str]]:
    """Resolves a secret id of `workspace_id` to its value at the moment it is needed.

    Read at call time rather than at the start, so a rotated secret takes effect at once;
    a secret of another workspace is as missing as one that never existed (LookupError).
    """

    async def resolve(secret_id: str) -> str:
        async with database.session() as session:
            secret = await secret_store.get_secret(session, workspace_id, secret_id)
        if secret is None:
            raise LookupError(f"secret {secret_id} does not exist in this workspace")
        return secret_box.decrypt(secret.ciphertext)

    return resolve
