"""Workspace secrets: stored encrypted, never returned, not deletable while in use."""

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.clock import now_ms
from openconvai.schemas.secrets import (
    ConvAIStoredSecretDependencies,
    DependentAvailableAgentIdentifier,
    DependentAvailableMcpServerIdentifier,
    DependentAvailableToolIdentifier,
    GetWorkspaceSecretsResponse,
    PatchWorkspaceSecretRequest,
    PostWorkspaceSecretRequest,
    PostWorkspaceSecretResponse,
    WorkspaceStoredSecret,
)
from openconvai.security.encryption import SecretBox
from openconvai.security.ids import new_id
from openconvai.services.errors import Conflict, NotFound
from openconvai.services.pagination import decode_cursor
from openconvai.services.secret_usage import SecretUsers, secret_users
from openconvai.store import secrets as secret_store
from openconvai.store.models import Secret


async def create_secret(
    session: AsyncSession, box: SecretBox, workspace_id: str, body: PostWorkspaceSecretRequest
) -> PostWorkspaceSecretResponse:
    """Store a new secret, its value encrypted."""
    await _require_free_name(session, workspace_id, body.name, None)
    now = now_ms()
    secret = Secret(
        id=new_id("secret", 20),
        workspace_id=workspace_id,
        name=body.name,
        ciphertext=box.encrypt(body.value),
        created_at_ms=now,
        updated_at_ms=now,
    )
    await secret_store.add_secret(session, secret)
    await session.commit()
    return PostWorkspaceSecretResponse(secret_id=secret.id, name=secret.name)


async def update_secret(
    session: AsyncSession,
    box: SecretBox,
    workspace_id: str,
    secret_id: str,
    body: PatchWorkspaceSecretRequest,
) -> PostWorkspaceSecretResponse:
    """Rename a secret and replace its value."""
    secret = await _require(session, workspace_id, secret_id)
    await _require_free_name(session, workspace_id, body.name, secret.id)
    secret.name = body.name
    secret.ciphertext = box.encrypt(body.value)
    secret.updated_at_ms = now_ms()
    await session.commit()
    return PostWorkspaceSecretResponse(secret_id=secret.id, name=secret.name)


async def list_secrets(
    session: AsyncSession,
    workspace_id: str,
    *,
    search: str | None,
    page_size: int | None,
    cursor: str | None,
) -> GetWorkspaceSecretsResponse:
    """The workspace's secrets with what uses each (never their values)."""
    decoded = decode_cursor(cursor, str)
    rows, next_cursor = await secret_store.list_secrets_page(
        session, workspace_id, search=search, page_size=page_size, cursor=decoded
    )
    users = await secret_users(session, workspace_id)
    return GetWorkspaceSecretsResponse(
        secrets=[
            WorkspaceStoredSecret(
                secret_id=row.id, name=row.name, used_by=_dependencies(users.get(row.id))
            )
            for row in rows
        ],
        next_cursor=next_cursor.encode() if next_cursor else None,
    )


async def get_secret(
    session: AsyncSession, workspace_id: str, secret_id: str
) -> WorkspaceStoredSecret:
    """One secret's name and what uses it (never its value)."""
    secret = await _require(session, workspace_id, secret_id)
    users = (await secret_users(session, workspace_id)).get(secret.id)
    return WorkspaceStoredSecret(
        secret_id=secret.id, name=secret.name, used_by=_dependencies(users)
    )


async def delete_secret(session: AsyncSession, workspace_id: str, secret_id: str) -> None:
    """Delete a secret, refusing while anything refers to it."""
    secret = await _require(session, workspace_id, secret_id)
    users = (await secret_users(session, workspace_id)).get(secret.id)
    if users is not None and users.in_use:
        names = [f"agent {a.name!r} ({a.id})" for a in users.agents]
        names += [f"tool {t.name!r} ({t.id})" for t in users.tools]
        names += [f"MCP server {m.config['name']!r} ({m.id})" for m in users.mcp_servers]
        if users.workspace_webhook:
            names.append("the workspace's conversation initiation webhook")
        raise Conflict(
            "secret_in_use",
            f"Secret {secret.name!r} is still used by "
            + ", ".join(names)
            + ". Remove those references first.",
        )
    await secret_store.delete_secret(session, secret)
    await session.commit()


def _dependencies(users: SecretUsers | None) -> ConvAIStoredSecretDependencies:
    users = users or SecretUsers()
    return ConvAIStoredSecretDependencies(
        tools=[
            DependentAvailableToolIdentifier(
                id=tool.id,
                name=tool.name,
                created_at_unix_secs=tool.created_at_ms // 1000,
                access_level="admin",
            )
            for tool in users.tools
        ],
        agents=[
            DependentAvailableAgentIdentifier(
                id=agent.id,
                name=agent.name,
                created_at_unix_secs=agent.created_at_ms // 1000,
                access_level="admin",
            )
            for agent in users.agents
        ],
        mcp_servers=[
            DependentAvailableMcpServerIdentifier(
                id=server.id,
                name=server.config["name"],
                created_at_unix_secs=server.created_at_ms // 1000,
                access_level="admin",
            )
            for server in users.mcp_servers
        ],
        others=["conversation_initiation_webhook"] if users.workspace_webhook else [],
    )


async def _require(session: AsyncSession, workspace_id: str, secret_id: str) -> Secret:
    secret = await secret_store.get_secret(session, workspace_id, secret_id)
    if secret is None:
        raise NotFound("secret_not_found", f"Secret {secret_id} was not found.")
    return secret


async def _require_free_name(
    session: AsyncSession, workspace_id: str, name: str, own_id: str | None
) -> None:
    existing = await secret_store.find_secret_by_name(session, workspace_id, name)
    if existing is not None and existing.id != own_id:
        raise Conflict("secret_name_taken", f"A secret named {name!r} already exists.")
