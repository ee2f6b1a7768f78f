"""A failing tool never leaves a conversation waiting: whatever goes wrong, the agent says it
could not do it, aloud, and the next user turn is answered (real time, real servers)."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from openconvai.conversation.events import AgentAudio, AgentResponse, EndReason
from openconvai.conversation.setup import AgentTool
from openconvai.conversation.tool_port import ToolCallContext, ToolOutcome
from openconvai.providers.llm.base import LanguageModel, LlmEvent, LlmRequest, TextDelta, ToolCall
from openconvai.providers.tts.scripted import ToneCodeTts
from openconvai.security.outbound import OutboundGuard
from openconvai.tools.mcp import discover
from openconvai.tools.mcp_config import McpServerSpec
from openconvai.tools.registry import default_registry
from openconvai.tools.webhook import WebhookToolRunner
from tests.support.core import Harness, make_setup, start
from tests.support.mcp_server import mcp_server
from tests.tools.recording_server import Received, Reply, recording_server
from tests.tools.webhook_support import ORDER_API, agent_tool, webhook

GOOD_ARGS = {"order_id": "42", "quantity": 2}


class ToolThenTalk(LanguageModel):
    """Asks for the tool on the first user turn, then says what came of it; echoes later."""

    def __init__(self, arguments: dict[str, Any]) -> None:
        self.arguments = arguments
        self.asked = False

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        last = request.messages[-1]
        if last.role == "tool":
            yield TextDelta(f"Sorry, I could not check that: {last.content}")
        elif not self.asked:
            self.asked = True
            yield ToolCall("call_1", "lookup_order", self.arguments)
        else:
            yield TextDelta(f"You said: {last.content}")


class Hangs:
    """A runner that never answers (what a wedged integration looks like)."""

    async def run(self, call: ToolCall, tool: AgentTool, context: ToolCallContext) -> ToolOutcome:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def responses(h: Harness, count: int) -> list[AgentResponse]:
    """The first `count` agent responses, once the last of them has been heard whole."""
    for _ in range(750):
        found = [event for _, event in h.of(AgentResponse)]
        heard = [turn for turn in h.log.turns if turn.role == "agent"]
        if len(found) >= count and len(heard) >= count:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} agent responses within 15 s: {h.events}")


def slow(request: Received) -> Reply:
    return Reply(200, b'{"late": true}', delay_secs=3)


Case = tuple[Callable[[Received], Reply] | None, dict[str, Any], str]
CASES: dict[str, Case] = {
    "timeout": (slow, GOOD_ARGS, "did not answer within"),
    "not found": (
        lambda r: Reply.of_json({"error": "no such order"}, status=404),
        GOOD_ARGS,
        "404",
    ),
    "server error": (lambda r: Reply(500, b"internal trouble"), GOOD_ARGS, "500"),
    "non-JSON body": (
        lambda r: Reply(200, b"<html>closed</html>", "text/html"),
        GOOD_ARGS,
        "closed",
    ),
    "connection refused": (None, GOOD_ARGS, "could not"),
    "invalid arguments": (
        lambda r: Reply.of_json({}),
        {"order_id": "42", "quantity": "lots"},
        "quantity",
    ),
    "hangs": (lambda r: Reply.of_json({}), GOOD_ARGS, "in time"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_a_failing_tool_is_spoken_of_and_the_conversation_goes_on(
    case: str, guard: OutboundGuard
) -> None:
    route, arguments, said = CASES[case]
    async with recording_server(route or (lambda r: Reply())) as server:
        url = server.url("/orders/{order_id}") if route else "http://127.0.0.1:9/orders/{order_id}"
        tool = agent_tool(webhook(url, **ORDER_API))
        tool = AgentTool(tool.spec, tool.type, response_timeout_secs=0.3, config=tool.config)
        registry = default_registry(guard=guard)
        runner = WebhookToolRunner(guard, max_timeout_secs=0.3)
        registry.register("webhook", Hangs() if case == "hangs" else runner)
        h = await start(
            make_setup(tools=(tool,)),
            model=ToolThenTalk(arguments),
            tools=registry,
            # Short utterances: tone code takes its time to say a long sentence.
            synthesizer=ToneCodeTts(audio_ms=200),
        )
        try:
            await h.session.user_text("where is my order 42?")
            first = (await responses(h, 1))[0]
            await h.session.user_text("thanks anyway")
            second = (await responses(h, 2))[1]
        finally:
            await h.session.end(EndReason.CLIENT_DISCONNECTED)
    assert first.text.startswith("Sorry, I could not check that"), first.text
    assert said in first.text, first.text
    # Said aloud, not only shown.
    assert any(event.event_id == first.event_id for _, event in h.of(AgentAudio))
    assert second.text == "You said: thanks anyway"
    (record,) = next(turn for turn in h.log.turns if turn.role == "agent").tool_calls
    assert record.is_error is (case != "non-JSON body")
    if case == "invalid arguments":
        assert server.received == []


class McpThenTalk(LanguageModel):
    """Calls the MCP tool `add` on the first turn, then says what came of it; echoes later."""

    def __init__(self) -> None:
        self.asked = False

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        last = request.messages[-1]
        if last.role == "tool":
            yield TextDelta(f"Sorry, I could not check that: {last.content}")
        elif not self.asked and any(tool.name == "add" for tool in request.tools):
            self.asked = True
            yield ToolCall("call_1", "add", {"a": 1, "b": 2})
        else:
            yield TextDelta(f"You said: {last.content}")


@pytest.mark.parametrize("when", ["at the start", "mid-call"])
async def test_an_mcp_server_that_is_down_leaves_the_conversation_going(when: str) -> None:
    async with OutboundGuard(["127.0.0.0/8"]) as guard:
        with mcp_server("streamable-http") as server:
            if when == "at the start":
                server.kill()
            spec = McpServerSpec(
                id="srv", name="Demo", url=server.url, transport="STREAMABLE_HTTP",
                approval_policy="auto_approve_all",
            )  # fmt: skip
            found = await discover([spec], guard=guard, secret=_no_secret)
            if when == "mid-call":
                server.kill()
        registry = default_registry(guard=guard)
        registry.register("mcp", found.runner)
        h = await start(
            make_setup(tools=found.tools),
            model=McpThenTalk(),
            tools=registry,
            synthesizer=ToneCodeTts(audio_ms=200),
        )
        try:
            await h.session.user_text("what is one plus two")
            first = (await responses(h, 1))[0]
            await h.session.user_text("never mind")
            second = (await responses(h, 2))[1]
        finally:
            await h.session.end(EndReason.CLIENT_DISCONNECTED)
            await found.aclose()
    if when == "at the start":
        assert not found.status.integrations[0].is_connected and found.tools == ()
        assert first.text == "You said: what is one plus two"  # no tool to call: it answers
    else:
        assert first.text.startswith("Sorry, I could not check that"), first.text
        assert any(event.event_id == first.event_id for _, event in h.of(AgentAudio))
    assert second.text == "You said: never mind"


async def _no_secret(secret_id: str) -> str:
    raise LookupError(secret_id)
