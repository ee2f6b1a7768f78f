"""Workspace secrets API: `/v1/convai/secrets`."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from openconvai.api.deps import Secrets, Session, WorkspaceId
from openconvai.api.errors import ERROR_RESPONSES
from openconvai.schemas.secrets import (
    GetWorkspaceSecretsResponse,
    PatchWorkspaceSecretRequest,
    PostWorkspaceSecretRequest,
    PostWorkspaceSecretResponse,
    WorkspaceStoredSecret,
)
from openconvai.services import secrets

router = APIRouter(responses=ERROR_RESPONSES, tags=["secrets"])


@router.get("/v1/convai/secrets")
async def list_secrets(
    session: Session,
    workspace_id: WorkspaceId,
    page_size: Annotated[int | None, Query(ge=1, le=100)] = None,
    search: Annotated[str | None, Query(max_length=256, description="Name prefix.")] = None,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    dependency_limit: Annotated[int | None, Query(ge=1, le=100, description="Ignored.")] = None,
) -> GetWorkspaceSecretsResponse:
    """List the workspace's secrets and what uses each; values are never returned."""
    return await secrets.list_secrets(
        session, workspace_id, search=search, page_size=page_size, cursor=cursor
    )


@router.post("/v1/convai/secrets")
async def create_secret(
    body: PostWorkspaceSecretRequest, session: Session, box: Secrets, workspace_id: WorkspaceId
) -> PostWorkspaceSecretResponse:
    """Store a new secret, encrypted at rest."""
    return await secrets.create_secret(session, box, workspace_id, body)


@router.get("/v1/convai/secrets/{secret_id}")
async def get_secret(
    secret_id: str, session: Session, workspace_id: WorkspaceId
) -> WorkspaceStoredSecret:
    """A secret's name and what uses it; its value is never returned."""
    return await secrets.get_secret(session, workspace_id, secret_id)


@router.patch("/v1/convai/secrets/{secret_id}")
async def update_secret(
    secret_id: str,
    body: PatchWorkspaceSecretRequest,
    session: Session,
    box: Secrets,
    workspace_id: WorkspaceId,
) -> PostWorkspaceSecretResponse:
    """Rename a secret and replace its value."""
    return await secrets.update_secret(session, box, workspace_id, secret_id, body)


@router.delete("/v1/convai/secrets/{secret_id}", status_code=204, response_class=Response)
async def delete_secret(secret_id: str, session: Session, workspace_id: WorkspaceId) -> None:
    """Delete a secret that nothing uses any more."""
    await secrets.delete_secret(session, workspace_id, secret_id)
