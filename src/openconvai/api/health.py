"""Liveness: `/healthz` answers once the store is reachable."""

from typing import Literal

from fastapi import APIRouter
from sqlalchemy import text

from openconvai.api.deps import Session
from openconvai.schemas.base import ContractModel

router = APIRouter(tags=["health"])


class Health(ContractModel):
    """The server is up and its store answers."""

    status: Literal["ok"]


@router.get("/healthz")
async def healthz(session: Session) -> Health:
    """Report that the server and its store are up."""
    await session.execute(text("SELECT 1"))
    return Health(status="ok")
