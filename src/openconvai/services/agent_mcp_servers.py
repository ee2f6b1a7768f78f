"""The MCP servers an agent names in `prompt.mcp_server_ids`: checked on save, loaded to run."""

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.services.references import refuse_unknown
from openconvai.store import mcp_servers as mcp_store
from openconvai.store.models import McpServer
from openconvai.tools.mcp_config import (
    DEFAULT_RESPONSE_TIMEOUT_SECS,
    EnvRef,
    HeaderValue,
    McpServerSpec,
    SecretRef,
    ToolApproval,
    VariableRef,
)

logger = logging.getLogger(__name__)

_NO_INTERRUPTIONS = ("disable_during_tool", "disable_during_tool_and_turn")


async def require_existing_mcp_servers(
    session: AsyncSession, workspace_id: str, conversation_config: dict[str, Any]
) -> None:
    """Refuse (400) a conversation config whose `mcp_server_ids` name unknown servers.

    A server of another workspace is refused with the same words as one that never existed.
    """
    wanted = mcp_store.prompt_mcp_server_ids(conversation_config)
    found = await mcp_store.existing_mcp_server_ids(session, workspace_id, wanted)
    refuse_unknown(
        wanted, found, status="mcp_server_not_found", field="mcp_server_ids", noun="MCP servers"
    )


async def mcp_servers_for_agent(
    session: AsyncSession, workspace_id: str, server_ids: Sequence[str]
) -> list[McpServerSpec]:
    """What `tools.mcp.discover` needs of the workspace's servers named by `server_ids`.

    In their order; repeated ids count once. An id with no server (only possible in a
    document saved before servers were checked) is skipped with a warning.
    """
    wanted = list(dict.fromkeys(server_ids))
    rows = {row.id: row for row in await mcp_store.get_mcp_servers(session, workspace_id, wanted)}
    specs: list[McpServerSpec] = []
    for server_id in wanted:
        row = rows.get(server_id)
        if row is None:
            logger.warning("MCP server %s of %s does not exist; skipped", server_id, workspace_id)
            continue
        specs.append(server_spec(row))
    return specs


def server_spec(server: McpServer) -> McpServerSpec:
    """The runtime's view of a stored server (its config was validated when stored)."""
    config = server.config
    url = config["url"]
    token = config.get("secret_token")
    approvals = {
        entry["tool_name"]: ToolApproval(
            entry["tool_hash"], entry.get("approval_policy", "requires_approval")
        )
        for entry in config.get("tool_approval_hashes") or []
    }
    timeout = config.get("response_timeout_secs") or DEFAULT_RESPONSE_TIMEOUT_SECS
    return McpServerSpec(
        id=server.id,
        name=config["name"],
        url=url if isinstance(url, str) else SecretRef(url["secret_id"]),
        transport=config.get("transport", "SSE"),
        secret_token=SecretRef(token["secret_id"]) if isinstance(token, dict) else None,
        request_headers={
            name: _header(value) for name, value in (config.get("request_headers") or {}).items()
        },
        approval_policy=config.get("approval_policy", "require_approval_all"),
        tool_approvals=approvals,
        response_timeout_secs=float(timeout),
        disable_interruptions=bool(config.get("disable_interruptions"))
        or config.get("interruption_mode") in _NO_INTERRUPTIONS,
        force_pre_tool_speech=bool(config.get("force_pre_tool_speech"))
        or config.get("pre_tool_speech") == "force",
    )


def _header(value: Any) -> HeaderValue:
    if isinstance(value, dict):
        if "secret_id" in value:
            return SecretRef(str(value["secret_id"]))
        if "variable_name" in value:
            return VariableRef(str(value["variable_name"]))
        return EnvRef(str(value.get("env_var_label", "")))
    return str(value)
