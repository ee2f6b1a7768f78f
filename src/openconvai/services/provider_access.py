"""The vendor keys a workspace's conversations use: settings first, then its secrets."""

import os
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.providers.access import (
    SECRET_NAMES,
    VENDORS,
    Access,
    ProviderAccess,
    Vendor,
    settings_access,
)
from openconvai.providers.catalog import ProviderCatalog
from openconvai.providers.errors import ProviderError
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.security.encryption import SecretBox
from openconvai.services.errors import ServiceError
from openconvai.settings import Settings
from openconvai.store import secrets as secret_store


class KeyHolder(Protocol):
    """Where vendor keys come from: the server's settings and the workspace's secrets."""

    settings: Settings
    secret_box: SecretBox


async def resolve_access(
    state: KeyHolder, session: AsyncSession, workspace_id: str, prompt: dict[str, Any]
) -> ProviderAccess:
    """Every vendor's access for the workspace, and the agent's custom LLM endpoint."""
    vendors: dict[Vendor, Access] = {}
    for vendor in VENDORS:
        access = settings_access(state.settings, vendor)
        if not access.api_key:
            secret = await secret_store.find_secret_by_name(
                session, workspace_id, SECRET_NAMES[vendor]
            )
            if secret is not None:
                key = state.secret_box.decrypt(secret.ciphertext)
                access = Access(api_key=key, base_url=access.base_url)
        vendors[vendor] = access
    custom = prompt.get("custom_llm")
    custom_access = None
    if isinstance(custom, dict) and custom.get("url"):
        headers: list[tuple[str, str]] = []
        for name, raw in (custom.get("request_headers") or {}).items():
            value = await _reference(state, session, workspace_id, raw)
            if value is not None:
                headers.append((str(name), value))
        custom_access = Access(
            api_key=await _reference(state, session, workspace_id, custom.get("api_key")),
            base_url=_base_url(str(custom["url"])),
            headers=tuple(sorted(headers)),
        )
    return ProviderAccess(vendors, custom_access)


async def _reference(
    state: KeyHolder, session: AsyncSession, workspace_id: str, value: Any
) -> str | None:
    """A literal, a workspace secret (`{"secret_id"}`) or an env var (`{"env_var_label"}`)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and "secret_id" in value:
        secret = await secret_store.get_secret(session, workspace_id, str(value["secret_id"]))
        if secret is None:
            raise ProviderError(
                "custom_llm_error", f"the custom LLM's secret {value['secret_id']} is missing"
            )
        return state.secret_box.decrypt(secret.ciphertext)
    if isinstance(value, dict) and "env_var_label" in value:
        return os.environ.get(str(value["env_var_label"]))
    return None


def _base_url(url: str) -> str:
    """The client appends /chat/completions itself; accept the full endpoint URL too."""
    url = url.rstrip("/")
    return url.removesuffix("/chat/completions")


class CredentialChecker(KeyHolder, Protocol):
    """Key sources plus the providers that say which keys an agent needs."""

    providers: ProviderCatalog


async def require_credentials(
    state: CredentialChecker, session: AsyncSession, workspace_id: str, config: ConversationalConfig
) -> None:
    """Refuse (400) an agent config whose LLM or voice needs a key that is not configured."""
    try:
        prompt = config.agent.prompt.model_dump(mode="json")
        access = await resolve_access(state, session, workspace_id, prompt)
        state.providers.check_credentials(config, access)
    except ProviderError as exc:
        raise ServiceError("missing_credentials", exc.message) from exc
