"""Which agents, tools, MCP servers and workspace settings refer to which secrets."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.services.errors import BadRequest
from openconvai.services.secret_refs import referenced_secret_ids
from openconvai.store import agents as agent_store
from openconvai.store import mcp_servers as mcp_store
from openconvai.store import secrets as secret_store
from openconvai.store import tools as tool_store
from openconvai.store import workspaces
from openconvai.store.models import Agent, McpServer, Tool


@dataclass
class SecretUsers:
    """What uses one secret."""

    agents: list[Agent] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    mcp_servers: list[McpServer] = field(default_factory=list)
    workspace_webhook: bool = False

    @property
    def in_use(self) -> bool:
        """Whether anything refers to the secret."""
        users = (self.agents, self.tools, self.mcp_servers)
        return any(users) or self.workspace_webhook


async def secret_users(session: AsyncSession, workspace_id: str) -> dict[str, SecretUsers]:
    """For every secret id referenced in the workspace, what references it."""
    users: dict[str, SecretUsers] = defaultdict(SecretUsers)
    for agent in await agent_store.iter_agent_documents(session, workspace_id):
        refs = referenced_secret_ids([agent.conversation_config, agent.platform_settings])
        for secret_id in refs:
            users[secret_id].agents.append(agent)
    for tool in await tool_store.iter_tool_documents(session, workspace_id):
        for secret_id in referenced_secret_ids(tool.tool_config):
            users[secret_id].tools.append(tool)
    for server in await mcp_store.list_mcp_servers(session, workspace_id):
        for secret_id in referenced_secret_ids(server.config):
            users[secret_id].mcp_servers.append(server)
    workspace = await workspaces.get_workspace(session, workspace_id)
    if workspace is not None:
        for secret_id in referenced_secret_ids(workspace.convai_settings):
            users[secret_id].workspace_webhook = True
    return users


async def require_existing_secrets(
    session: AsyncSession, workspace_id: str, *documents: Any
) -> None:
    """Refuse (400) documents that refer to secrets the workspace does not have."""
    wanted = set().union(*(referenced_secret_ids(document) for document in documents))
    missing = wanted - await secret_store.existing_secret_ids(session, workspace_id, wanted)
    if missing:
        raise BadRequest(
            "secret_not_found",
            "The configuration refers to secrets that do not exist in this workspace: "
            + ", ".join(sorted(missing)),
        )
