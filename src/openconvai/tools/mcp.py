"""MCP tools: an agent's MCP servers, discovered when a conversation starts, and their calls.

`discover` connects to each server through the outbound guard (Streamable HTTP or SSE, the
server's headers, its `secret_token` as the `Authorization` value), lists its tools and
returns an `McpToolset`: the `AgentTool`s to offer the LLM, the `McpConnectionStatus` to
announce, and the `McpToolRunner` to register under "mcp" in the conversation's
`ToolRegistry`. A server that cannot be reached is reported not connected and offers no
tools. The connections stay open for the conversation: `await toolset.aclose()` at its end.

With its `mcp_connection` and `mcp_results`, the only modules that import the `mcp` SDK.
"""

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import mcp_types
from mcp.shared.exceptions import MCPError

from openconvai.conversation.events import (
    McpCallState,
    McpConnectionStatus,
    McpIntegrationStatus,
    McpToolCall,
)
from openconvai.conversation.setup import AgentTool
from openconvai.conversation.tool_port import ToolCallContext, ToolOutcome
from openconvai.providers.llm.base import ToolCall, ToolSpec
from openconvai.security.outbound_transport import UrlChecker
from openconvai.tools.mcp_config import (
    EnvRef,
    HeaderValue,
    McpServerSpec,
    McpToolBinding,
    SecretRef,
    llm_tool_names,
    needs_approval,
    tool_hash,
)
from openconvai.tools.mcp_connection import McpConnection, McpUnavailable, describe
from openconvai.tools.mcp_results import cut, result_parts, result_text

logger = logging.getLogger(__name__)

SecretReader = Callable[[str], Awaitable[str]]
Variables = Mapping[str, str | int | float | bool]


@dataclass(frozen=True)
class ListedTool:
    """A tool as a server lists it: its definition on the wire, and what approvals hash."""

    name: str
    description: str | None
    input_schema: dict[str, Any]
    definition: dict[str, Any]  # the MCP `Tool` as JSON (`inputSchema`, `_meta`, ...)

    @property
    def hash(self) -> str:
        """The hash a per-tool approval of this definition stores."""
        return tool_hash(self.description, self.input_schema)


@dataclass(frozen=True)
class McpToolListing:
    """A server's tools, or why they could not be listed."""

    tools: tuple[ListedTool, ...] = ()
    error: str | None = None


@dataclass
class McpToolset:
    """What discovery found: tools for the LLM, the status to announce, their runner."""

    tools: tuple[AgentTool, ...]
    status: McpConnectionStatus
    runner: "McpToolRunner"
    # Why a server is not connected, by server id.
    failures: Mapping[str, str] = field(default_factory=dict)

    async def aclose(self) -> None:
        """Close every connection (the conversation is over)."""
        await self.runner.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def discover(
    servers: Sequence[McpServerSpec],
    *,
    guard: UrlChecker,
    secret: SecretReader,
    variables: Variables | None = None,
    reserved_names: Collection[str] = (),
    timeout_secs: float | None = None,
) -> McpToolset:
    """Connect to every server at once and gather the tools they offer; never raises.

    `secret` reads a workspace secret (raising LookupError when there is none),
    `variables` fill headers that name dynamic variables, `reserved_names` are the agent's
    other tools (an MCP tool with one of those names is prefixed with its server's name).
    Each server gets `timeout_secs` (default: the guard's) to connect and list.
    """
    timeout = guard.timeout_secs if timeout_secs is None else timeout_secs
    # Secrets one after the other (a reader on a store session cannot be shared at once),
    # then every connection at the same time.
    addresses = [await _address(server, secret, variables or {}) for server in servers]
    connecting = [
        asyncio.ensure_future(_connect(s, a, guard, timeout))
        for s, a in zip(servers, addresses, strict=True)
    ]
    try:
        found = await asyncio.gather(*connecting)
    except BaseException:  # cancelled: the conversation ended while it started
        await _close_connected(connecting)
        raise
    connections: dict[str, McpConnection] = {}
    failures: dict[str, str] = {}
    offered: list[tuple[McpServerSpec, ListedTool]] = []
    statuses: list[McpIntegrationStatus] = []
    for server, (connection, listed, failure) in zip(servers, found, strict=True):
        if connection is not None:
            connections[server.id] = connection
            offered += [(server, tool) for tool in listed]
        else:
            failures[server.id] = failure or "not connected"
            logger.warning(
                "MCP server %s (%s) is not connected: %s", server.name, server.id, failure
            )
        statuses.append(
            McpIntegrationStatus(
                integration_id=server.id,
                integration_type="mcp_server",
                is_connected=connection is not None,
                tool_count=len(listed),
            )
        )
    names = llm_tool_names([(s.name, t.name) for s, t in offered], reserved_names)
    tools = tuple(_agent_tool(name, s, t) for name, (s, t) in zip(names, offered, strict=True))
    return McpToolset(
        tools=tools,
        status=McpConnectionStatus(integrations=tuple(statuses)),
        runner=McpToolRunner(connections),
        failures=failures,
    )


async def list_server_tools(
    server: McpServerSpec,
    *,
    guard: UrlChecker,
    secret: SecretReader,
    timeout_secs: float | None = None,
) -> McpToolListing:
    """Connect once, list the server's tools and disconnect (for the REST API); never raises."""
    timeout = guard.timeout_secs if timeout_secs is None else timeout_secs
    address = await _address(server, secret, {})
    connection, listed, failure = await _connect(server, address, guard, timeout)
    if connection is None:
        return McpToolListing(error=failure)
    await connection.aclose()
    return McpToolListing(tools=tuple(listed))


class McpToolRunner:
    """Runs calls of MCP tools on the connections discovery opened (a `ToolRunner`)."""

    def __init__(self, connections: Mapping[str, McpConnection]) -> None:
        self._connections = dict(connections)

    async def run(self, call: ToolCall, tool: AgentTool, context: ToolCallContext) -> ToolOutcome:
        """Ask for approval when the tool needs it, call it, and report each step."""
        binding = tool.config
        if not isinstance(binding, McpToolBinding):
            return ToolOutcome(f"The tool {call.name} is not an MCP tool.", is_error=True)
        report = _Reporter(call, binding, context)
        if binding.requires_approval:
            refusal = await self._approve(call, binding, context, report)
            if refusal is not None:
                await report("failure", error_message=refusal)
                return ToolOutcome(f"The tool {call.name} was not run: {refusal}", is_error=True)
        await report("loading")
        connection = self._connections.get(binding.server_id)
        if connection is None:
            failure = f"the MCP server {binding.server_name} is not connected"
            await report("failure", error_message=failure)
            return ToolOutcome(f"The tool {call.name} failed: {failure}.", is_error=True)
        try:
            result = await connection.call_tool(
                binding.tool_name, dict(call.arguments), tool.response_timeout_secs
            )
        except TimeoutError:
            failure = f"no answer within {tool.response_timeout_secs:g} s"
        except (McpUnavailable, MCPError) as error:
            failure = describe(error)
        except Exception as error:  # the server sent what the SDK cannot take
            logger.warning("MCP tool %s failed", binding.tool_name, exc_info=True)
            failure = describe(error)
        else:
            text = result_text(result)
            if result.is_error:
                failure = text or "the tool reported an error"
                await report("failure", error_message=failure)
                return ToolOutcome(f"The tool {call.name} failed: {cut(failure)}", is_error=True)
            await report("success", result=result_parts(result))
            shown = cut(text)
            return ToolOutcome(shown, full_result=text if shown != text else None)
        logger.info("MCP tool %s of %s failed: %s", binding.tool_name, binding.server_id, failure)
        await report("failure", error_message=failure)
        return ToolOutcome(f"The tool {call.name} failed: {failure}.", is_error=True)

    async def aclose(self) -> None:
        """Close every connection."""
        connections, self._connections = list(self._connections.values()), {}
        await asyncio.gather(*(connection.aclose() for connection in connections))

    @staticmethod
    async def _approve(
        call: ToolCall, binding: McpToolBinding, context: ToolCallContext, report: "_Reporter"
    ) -> str | None:
        """None once the client approves, else why the call does not run."""
        timeout = binding.approval_timeout_secs
        # Waiting before asking: an answer that comes at once is not missed.
        answer = asyncio.ensure_future(context.approvals.wait(call.id, timeout))
        await asyncio.sleep(0)
        try:
            await report("awaiting_approval", approval_timeout_secs=timeout)
            approved = await answer
        finally:
            answer.cancel()
        if approved is None:
            return f"it was not approved within {timeout:g} s"
        return None if approved else "the user did not approve it"


class _Reporter:
    """Emits the `mcp_tool_call` events of one call."""

    def __init__(self, call: ToolCall, binding: McpToolBinding, context: ToolCallContext) -> None:
        self._call, self._binding, self._emit = call, binding, context.emit

    async def __call__(self, state: McpCallState, **details: Any) -> None:
        await self._emit(
            McpToolCall(
                service_id=self._binding.server_id,
                tool_call_id=self._call.id,
                tool_name=self._binding.tool_name,
                tool_description=self._binding.tool_description or None,
                parameters=dict(self._call.arguments),
                timestamp=datetime.now(UTC).isoformat(),
                state=state,
                **details,
            )
        )


async def _close_connected(
    connecting: Sequence["asyncio.Future[tuple[McpConnection | None, Any, Any]]"],
) -> None:
    for future in connecting:
        future.cancel()
    await asyncio.gather(*connecting, return_exceptions=True)
    for future in connecting:
        if future.done() and not future.cancelled() and future.exception() is None:
            connection = future.result()[0]
            if connection is not None:
                await connection.aclose()


async def _address(
    server: McpServerSpec, secret: SecretReader, variables: Variables
) -> tuple[str, dict[str, str]] | str:
    """The server's URL and headers with their secrets read, or why they cannot be."""
    try:
        return await _resolve(server, secret, variables)
    except LookupError as error:
        return f"a secret it needs is missing ({error})"
    except Exception as error:  # a secret that cannot be read
        logger.warning("MCP server %s: reading its secrets failed", server.id, exc_info=True)
        return f"its secrets could not be read ({describe(error)})"


async def _connect(
    server: McpServerSpec,
    address: tuple[str, dict[str, str]] | str,
    guard: UrlChecker,
    timeout_secs: float,
) -> tuple[McpConnection | None, list[ListedTool], str | None]:
    """An open connection and the server's tools, or None and why not."""
    if isinstance(address, str):
        return None, [], address
    url, headers = address
    connection = McpConnection(
        url, server.transport, headers, guard, connect_timeout_secs=timeout_secs
    )
    try:
        await connection.open()
        tools = await connection.list_tools()
    except Exception as error:  # McpUnavailable, or what a misbehaving server caused
        await connection.aclose()
        return None, [], describe(error)
    return connection, [_listed(tool) for tool in tools], None


async def _resolve(
    server: McpServerSpec, secret: SecretReader, variables: Variables
) -> tuple[str, dict[str, str]]:
    url = server.url if isinstance(server.url, str) else await secret(server.url.secret_id)
    headers: dict[str, str] = {}
    for name, value in server.request_headers.items():
        resolved = await _header_value(value, secret, variables)
        if resolved is not None:
            headers[name] = resolved
    if server.secret_token is not None:
        headers["Authorization"] = await secret(server.secret_token.secret_id)
    return url, headers


async def _header_value(
    value: HeaderValue, secret: SecretReader, variables: Variables
) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, SecretRef):
        return await secret(value.secret_id)
    if isinstance(value, EnvRef):
        return os.environ.get(value.label)
    found = variables.get(value.name)
    return None if found is None else str(found)


def _listed(tool: mcp_types.Tool) -> ListedTool:
    return ListedTool(
        name=tool.name,
        description=tool.description,
        input_schema=dict(tool.input_schema),
        definition=tool.model_dump(mode="json", by_alias=True, exclude_none=True),
    )


def _agent_tool(name: str, server: McpServerSpec, tool: ListedTool) -> AgentTool:
    description = tool.description or tool.name
    binding = McpToolBinding(
        server_id=server.id,
        server_name=server.name,
        tool_name=tool.name,
        tool_description=tool.description or "",
        input_schema=tool.input_schema,
        approval_policy=server.approval_policy,
        requires_approval=needs_approval(server, tool.name, tool.hash),
        approval_timeout_secs=server.approval_timeout_secs,
    )
    parameters = (
        tool.input_schema if tool.input_schema.get("type") == "object" else {"type": "object"}
    )
    return AgentTool(
        spec=ToolSpec(name=name, description=description, parameters=parameters),
        type="mcp",
        response_timeout_secs=server.response_timeout_secs,
        approval_wait_secs=server.approval_timeout_secs if binding.requires_approval else 0.0,
        config=binding,
        disable_interruptions=server.disable_interruptions,
        force_pre_tool_speech=server.force_pre_tool_speech,
    )
