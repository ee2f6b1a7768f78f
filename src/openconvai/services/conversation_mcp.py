"""A conversation's MCP servers: discovered at its start, their tools offered to the LLM."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from openconvai.conversation.events import CoreEvent
from openconvai.conversation.setup import SessionSetup
from openconvai.services.agent_mcp_servers import mcp_servers_for_agent
from openconvai.services.conversation_deps import ConversationDeps
from openconvai.tools.registry import ToolRegistry


@dataclass(frozen=True)
class McpAtStart:
    """What discovery changed: the setup with the servers' tools, what to announce, and
    what to close when the conversation ends."""

    setup: SessionSetup
    announcements: tuple[CoreEvent, ...] = ()
    cleanup: tuple[Callable[[], Awaitable[None]], ...] = ()


async def connect_mcp_servers(
    deps: ConversationDeps,
    workspace_id: str,
    server_ids: list[str],
    setup: SessionSetup,
    tools: ToolRegistry,
    secret: Callable[[str], Awaitable[str]],
) -> McpAtStart:
    """Connect to the agent's MCP servers and register their tools' runner in `tools`.

    A server that cannot be reached is reported as not connected and offers no tools; the
    conversation starts all the same.
    """
    if not server_ids:
        return McpAtStart(setup)
    async with deps.database.session() as session:
        specs = await mcp_servers_for_agent(session, workspace_id, server_ids)
    if not specs:
        return McpAtStart(setup)
    # Imported here: the MCP SDK costs memory that servers without MCP agents need not pay.
    from openconvai.tools.mcp import discover

    wait = deps.settings.mcp_approval_timeout_secs
    toolset = await discover(
        [replace(spec, approval_timeout_secs=wait) for spec in specs],
        guard=deps.outbound,
        secret=secret,
        variables=setup.variables,
        reserved_names=[tool.spec.name for tool in setup.tools],
    )
    tools.register("mcp", toolset.runner)
    return McpAtStart(
        replace(setup, tools=(*setup.tools, *toolset.tools)),
        (toolset.status,),
        (toolset.aclose,),
    )
