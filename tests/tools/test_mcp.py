"""MCP tools against a real MCP server of the official SDK (its own process, on 127.0.0.1)."""

import asyncio
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import mcp_types
import pytest

from openconvai.conversation.events import CoreEvent, McpToolCall
from openconvai.conversation.setup import AgentTool
from openconvai.conversation.tool_port import ClientAnswers, ToolCallContext
from openconvai.providers.llm.base import ToolCall
from openconvai.security.outbound import OutboundGuard
from openconvai.tools.mcp import McpToolset, discover, list_server_tools
from openconvai.tools.mcp_config import (
    McpServerSpec,
    McpToolBinding,
    SecretRef,
    ToolApproval,
    VariableRef,
    llm_tool_names,
    tool_hash,
)
from openconvai.tools.mcp_results import cut, result_parts, result_text
from openconvai.tools.registry import ToolRegistry
from tests.support.mcp_server import McpProcess, free_port, mcp_server

GUARD = OutboundGuard(["127.0.0.0/8"], timeout_secs=5)
SECRETS = {"tok": "Bearer s3cret", "demo": "from-a-secret"}


async def read_secret(secret_id: str) -> str:
    try:
        return SECRETS[secret_id]
    except KeyError:
        raise LookupError(secret_id) from None


@pytest.fixture(scope="module")
def http_server() -> Iterator[McpProcess]:
    with mcp_server("streamable-http") as server:
        yield server


def spec(url: str, **changes: Any) -> McpServerSpec:
    base = McpServerSpec(
        id="mcp_1",
        name="demo",
        url=url,
        transport="STREAMABLE_HTTP",
        approval_policy="auto_approve_all",
    )
    return replace(base, **changes)


class Conversation:
    """What a tool call gets from the conversation, with the events it emitted."""

    def __init__(self) -> None:
        self.events: list[CoreEvent] = []
        self._emitted = asyncio.Event()
        self.approvals: ClientAnswers[bool] = ClientAnswers()
        self.context = ToolCallContext(
            conversation_id="conv_1",
            agent_id="agent_1",
            event_id=1,
            emit=self._emit,
            client_results=ClientAnswers(),
            approvals=self.approvals,
            variables={},
        )

    async def _emit(self, event: CoreEvent) -> None:
        self.events.append(event)
        self._emitted.set()

    def states(self) -> list[str]:
        return [e.state for e in self.events if isinstance(e, McpToolCall)]

    async def reached(self, state: str) -> McpToolCall:
        """The first `mcp_tool_call` in `state`, once it is emitted."""
        while True:
            for event in self.events:
                if isinstance(event, McpToolCall) and event.state == state:
                    return event
            self._emitted.clear()
            await self._emitted.wait()

    async def awaiting(self) -> McpToolCall:
        return await self.reached("awaiting_approval")


def tool_named(toolset: McpToolset, name: str) -> AgentTool:
    return next(tool for tool in toolset.tools if tool.spec.name == name)


async def test_discovery_lists_the_tools_and_announces_the_server(
    http_server: McpProcess,
) -> None:
    async with await discover([spec(http_server.url)], guard=GUARD, secret=read_secret) as found:
        assert [tool.spec.name for tool in found.tools] == ["add", "whoami", "fail", "wait"]
        add = tool_named(found, "add")
        assert add.type == "mcp" and add.spec.description == "Add two numbers."
        assert add.spec.parameters["required"] == ["a", "b"]
        binding = add.config
        assert isinstance(binding, McpToolBinding)
        assert (binding.server_id, binding.tool_name) == ("mcp_1", "add")
        assert binding.requires_approval is False
        (status,) = found.status.integrations
        assert (status.integration_id, status.integration_type) == ("mcp_1", "mcp_server")
        assert status.is_connected is True and status.tool_count == 4
        assert found.failures == {}


async def test_an_auto_approved_call_returns_the_result(http_server: McpProcess) -> None:
    conversation = Conversation()
    async with await discover([spec(http_server.url)], guard=GUARD, secret=read_secret) as found:
        registry = ToolRegistry()
        registry.register("mcp", found.runner)
        call = ToolCall("call_1", "add", {"a": 2, "b": 3})
        outcome = await registry.run(call, tool_named(found, "add"), conversation.context)
        assert outcome.result == "5" and outcome.is_error is False
        # The same connection serves later calls.
        again = await registry.run(
            ToolCall("call_2", "add", {"a": 1, "b": 1}),
            tool_named(found, "add"),
            conversation.context,
        )
        assert again.result == "2"
    assert conversation.states() == ["loading", "success", "loading", "success"]
    success = conversation.events[1]
    assert isinstance(success, McpToolCall)
    assert success.result == ({"type": "text", "text": "5"},)
    assert (success.service_id, success.tool_call_id, success.tool_name) == (
        "mcp_1",
        "call_1",
        "add",
    )
    assert success.parameters == {"a": 2, "b": 3} and success.timestamp


async def test_secret_token_and_headers_reach_the_server(http_server: McpProcess) -> None:
    server = spec(
        http_server.url,
        secret_token=SecretRef("tok"),
        request_headers={"X-Demo": VariableRef("city")},
    )
    found = await discover([server], guard=GUARD, secret=read_secret, variables={"city": "Oslo"})
    try:
        outcome = await found.runner.run(
            ToolCall("c", "whoami", {}), tool_named(found, "whoami"), Conversation().context
        )
    finally:
        await found.aclose()
    assert outcome.result == "authorization=Bearer s3cret;x-demo=Oslo"
    missing = await discover(
        [replace(server, secret_token=SecretRef("gone"))], guard=GUARD, secret=read_secret
    )
    assert missing.tools == () and "secret" in missing.failures["mcp_1"]


async def test_an_approved_call_runs_after_the_client_says_yes(http_server: McpProcess) -> None:
    conversation = Conversation()
    server = spec(http_server.url, approval_policy="require_approval_all", approval_timeout_secs=5)
    async with await discover([server], guard=GUARD, secret=read_secret) as found:
        add = tool_named(found, "add")

        async def approve() -> None:
            asked = await conversation.awaiting()
            conversation.approvals.deliver(asked.tool_call_id, True)

        approver = asyncio.create_task(approve())
        outcome = await found.runner.run(
            ToolCall("call_9", "add", {"a": 20, "b": 22}), add, conversation.context
        )
        await approver
    assert outcome.result == "42"
    assert conversation.states() == ["awaiting_approval", "loading", "success"]
    asked = conversation.events[0]
    assert isinstance(asked, McpToolCall) and asked.approval_timeout_secs == 5


async def test_a_refused_or_unanswered_call_does_not_run(http_server: McpProcess) -> None:
    server = spec(http_server.url, approval_policy="require_approval_all", approval_timeout_secs=5)
    async with await discover([server], guard=GUARD, secret=read_secret) as found:
        add = tool_named(found, "add")
        refusing = Conversation()

        async def refuse() -> None:
            asked = await refusing.awaiting()
            refusing.approvals.deliver(asked.tool_call_id, False)

        refuser = asyncio.create_task(refuse())
        refused = await found.runner.run(
            ToolCall("r", "add", {"a": 1, "b": 2}), add, refusing.context
        )
        await refuser
        assert refused.is_error and "did not approve" in refused.result
        assert refusing.states() == ["awaiting_approval", "failure"]

        silent = Conversation()
        quick = replace(add, config=replace(add.config, approval_timeout_secs=0.05))
        timed_out = await found.runner.run(
            ToolCall("t", "add", {"a": 1, "b": 2}), quick, silent.context
        )
        assert timed_out.is_error and "not approved within 0.05 s" in timed_out.result
        assert silent.states() == ["awaiting_approval", "failure"]
        failure = silent.events[-1]
        assert isinstance(failure, McpToolCall) and failure.error_message


async def test_per_tool_approvals_follow_the_stored_hashes(http_server: McpProcess) -> None:
    listing = await list_server_tools(spec(http_server.url), guard=GUARD, secret=read_secret)
    assert listing.error is None
    hashes = {tool.name: tool.hash for tool in listing.tools}
    add = next(tool for tool in listing.tools if tool.name == "add")
    assert add.definition["inputSchema"]["required"] == ["a", "b"]
    assert hashes["add"] == tool_hash("Add two numbers.", add.input_schema)
    server = spec(
        http_server.url,
        approval_policy="require_approval_per_tool",
        tool_approvals={
            "add": ToolApproval(hashes["add"], "auto_approved"),  # up to date
            "whoami": ToolApproval("stale", "auto_approved"),  # changed since approved
            "fail": ToolApproval(hashes["fail"], "requires_approval"),
        },
    )
    async with await discover([server], guard=GUARD, secret=read_secret) as found:
        asks = {
            tool.spec.name: tool.config.requires_approval
            for tool in found.tools
            if isinstance(tool.config, McpToolBinding)
        }
    assert asks == {"add": False, "whoami": True, "fail": True, "wait": True}


async def test_tool_errors_and_slow_tools_are_error_outcomes(http_server: McpProcess) -> None:
    conversation = Conversation()
    async with await discover([spec(http_server.url)], guard=GUARD, secret=read_secret) as found:
        failed = await found.runner.run(
            ToolCall("f", "fail", {"reason": "no such city"}),
            tool_named(found, "fail"),
            conversation.context,
        )
        assert failed.is_error and "no such city" in failed.result
        slow = replace(tool_named(found, "wait"), response_timeout_secs=0.3)
        started = time.monotonic()
        late = await found.runner.run(
            ToolCall("w", "wait", {"seconds": 5}), slow, conversation.context
        )
        assert late.is_error and "no answer within 0.3 s" in late.result
        assert time.monotonic() - started < 3
        # A timed-out call leaves the connection usable.
        ok = await found.runner.run(
            ToolCall("a", "add", {"a": 1, "b": 2}), tool_named(found, "add"), conversation.context
        )
        assert ok.result == "3"
    assert conversation.states() == [
        "loading",
        "failure",
        "loading",
        "failure",
        "loading",
        "success",
    ]
    errors = [e.error_message for e in conversation.events if isinstance(e, McpToolCall)]
    assert errors[1] is not None and "no such city" in errors[1]


async def test_a_server_that_is_down_or_refused_offers_no_tools(http_server: McpProcess) -> None:
    down = spec(f"http://127.0.0.1:{free_port()}/mcp", id="mcp_down", name="down")
    private = spec(http_server.url, id="mcp_private", name="private")
    strict = OutboundGuard(timeout_secs=5)  # loopback is not allowed
    found = await discover([down], guard=GUARD, secret=read_secret)
    refused = await discover([private], guard=strict, secret=read_secret)
    await found.aclose()
    await refused.aclose()
    assert found.tools == () and refused.tools == ()
    for toolset, server_id in [(found, "mcp_down"), (refused, "mcp_private")]:
        (status,) = toolset.status.integrations
        assert status.integration_id == server_id
        assert status.is_connected is False and status.tool_count == 0
    assert "loopback" in refused.failures["mcp_private"]
    listing = await list_server_tools(down, guard=GUARD, secret=read_secret)
    assert listing.tools == () and listing.error


async def test_a_silent_server_times_out_and_cancelling_discovery_closes_all(
    http_server: McpProcess,
) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        mute = spec(f"http://127.0.0.1:{silent.getsockname()[1]}/mcp", id="mcp_mute")
        started = time.monotonic()
        found = await discover([mute], guard=GUARD, secret=read_secret, timeout_secs=0.5)
        assert time.monotonic() - started < 3
        assert "timed out" in found.failures["mcp_mute"] and found.tools == ()

        starting = asyncio.create_task(
            discover([spec(http_server.url), mute], guard=GUARD, secret=read_secret)
        )
        await asyncio.sleep(1)
        starting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await starting
    left = [task for task in asyncio.all_tasks() if task.get_name().startswith("mcp ")]
    assert left == []


async def test_a_server_killed_mid_call_gives_an_error_outcome() -> None:
    conversation = Conversation()
    with mcp_server("streamable-http") as server:
        found = await discover([spec(server.url)], guard=GUARD, secret=read_secret)
        wait = replace(tool_named(found, "wait"), response_timeout_secs=20)
        call = asyncio.create_task(
            found.runner.run(ToolCall("k", "wait", {"seconds": 30}), wait, conversation.context)
        )
        await conversation.reached("loading")
        await asyncio.sleep(0.3)
        started = time.monotonic()
        server.kill()
        outcome = await call
        assert time.monotonic() - started < 10
        assert outcome.is_error and "failed" in outcome.result
        after = await found.runner.run(
            ToolCall("a", "add", {"a": 1, "b": 2}), tool_named(found, "add"), conversation.context
        )
        assert after.is_error
        await found.aclose()
    assert conversation.states() == ["loading", "failure", "loading", "failure"]


async def test_a_restarted_server_is_reconnected_to() -> None:
    port = free_port()
    with mcp_server("streamable-http", port) as server:
        found = await discover([spec(server.url)], guard=GUARD, secret=read_secret)
        add = tool_named(found, "add")
        assert (await found.runner.run(ToolCall("1", "add", {"a": 1, "b": 1}), add, ctx())).result
        server.kill()
    try:
        down = await found.runner.run(ToolCall("2", "add", {"a": 1, "b": 1}), add, ctx())
        assert down.is_error
        with mcp_server("streamable-http", port):
            back = await found.runner.run(ToolCall("3", "add", {"a": 2, "b": 2}), add, ctx())
            assert back.result == "4"
    finally:
        await found.aclose()


def ctx() -> ToolCallContext:
    return Conversation().context


def test_results_for_the_llm_and_the_client() -> None:
    result = mcp_types.CallToolResult(
        content=[
            mcp_types.TextContent(text="Sunny"),
            mcp_types.ImageContent(data="aGk=", mime_type="image/png"),
            mcp_types.EmbeddedResource(
                resource=mcp_types.TextResourceContents(uri="file:///a.txt", text="Details")
            ),
            mcp_types.ResourceLink(uri="file:///b.bin", name="b"),
        ]
    )
    assert result_text(result) == "Sunny\n[image image/png]\nDetails\n[resource file:///b.bin]"
    parts = result_parts(result)
    assert parts[1] == {"type": "image", "data": "aGk=", "mimeType": "image/png"}
    structured = mcp_types.CallToolResult(content=[], structured_content={"t": 21})
    assert result_text(structured) == '{"t": 21}'
    assert cut("x" * 20_000).endswith(" [truncated]")


async def test_clashing_names_stay_callable(http_server: McpProcess) -> None:
    first = spec(http_server.url, id="mcp_a", name="alpha")
    second = spec(http_server.url, id="mcp_b", name="beta")
    async with await discover(
        [first, second], guard=GUARD, secret=read_secret, reserved_names=["whoami"]
    ) as found:
        names = [tool.spec.name for tool in found.tools]
        assert names[:4] == ["alpha__add", "alpha__whoami", "alpha__fail", "alpha__wait"]
        assert names[4:] == ["beta__add", "beta__whoami", "beta__fail", "beta__wait"]
        beta_add = tool_named(found, "beta__add")
        assert isinstance(beta_add.config, McpToolBinding)
        assert beta_add.config.server_id == "mcp_b" and beta_add.config.tool_name == "add"
        outcome = await found.runner.run(
            ToolCall("c", "beta__add", {"a": 2, "b": 2}), beta_add, Conversation().context
        )
        assert outcome.result == "4"


def test_llm_tool_names() -> None:
    assert llm_tool_names([("s", "get.weather"), ("s", "")]) == ["get_weather", "tool"]
    assert llm_tool_names([("a b", "x"), ("c", "x"), ("c", "y")], reserved=["y"]) == [
        "a_b__x",
        "c__x",
        "c__y",
    ]
    long = "n" * 80
    assert llm_tool_names([("s", long), ("t", long)]) == ["s__" + "n" * 61, "t__" + "n" * 61]
    assert llm_tool_names([("s", "s__x"), ("s", "x")], reserved=["x"]) == ["s__x", "s__x_2"]


async def test_sse_transport() -> None:
    conversation = Conversation()
    with mcp_server("sse") as server:
        sse = spec(server.url, transport="SSE", secret_token=SecretRef("tok"))
        async with await discover([sse], guard=GUARD, secret=read_secret) as found:
            assert found.status.integrations[0].tool_count == 4
            outcome = await found.runner.run(
                ToolCall("s", "add", {"a": 4, "b": 5}),
                tool_named(found, "add"),
                conversation.context,
            )
            who = await found.runner.run(
                ToolCall("w", "whoami", {}), tool_named(found, "whoami"), conversation.context
            )
    assert outcome.result == "9"
    assert who.result.startswith("authorization=Bearer s3cret")
    assert conversation.states() == ["loading", "success", "loading", "success"]
