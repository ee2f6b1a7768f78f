"""Dependencies every router shares: the store session, the caller's workspace, prices."""

from collections.abc import AsyncIterator, Mapping
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.analysis.pricing import ModelPrice, price_table
from openconvai.security.encryption import SecretBox
from openconvai.security.outbound import OutboundGuard
from openconvai.services import api_keys
from openconvai.state import AppState

_api_key_header = APIKeyHeader(
    name="xi-api-key", auto_error=False, description="An API key of your workspace."
)


def get_state(request: Request) -> AppState:
    """The running server's state."""
    state: AppState = request.app.state.openconvai
    return state


async def get_session(
    state: Annotated[AppState, Depends(get_state)],
) -> AsyncIterator[AsyncSession]:
    """A store session for one request."""
    async with state.database.session() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]


async def get_workspace_id(
    session: Session, api_key: Annotated[str | None, Security(_api_key_header)]
) -> str:
    """The workspace of the request's `xi-api-key`; 401 without a valid one."""
    return await api_keys.authenticate(session, api_key)


WorkspaceId = Annotated[str, Depends(get_workspace_id)]


def get_secret_box(state: Annotated[AppState, Depends(get_state)]) -> SecretBox:
    """The encryptor of workspace secrets."""
    return state.secret_box


Secrets = Annotated[SecretBox, Depends(get_secret_box)]


def get_prices(state: Annotated[AppState, Depends(get_state)]) -> Mapping[str, ModelPrice]:
    """LLM prices: the list prices with the settings' `llm_prices` over them."""
    return price_table(state.settings.llm_prices)


Prices = Annotated[Mapping[str, ModelPrice], Depends(get_prices)]


def get_outbound_guard(state: Annotated[AppState, Depends(get_state)]) -> OutboundGuard:
    """The guard every workspace-supplied URL is checked and called through."""
    return state.outbound


Outbound = Annotated[OutboundGuard, Depends(get_outbound_guard)]
