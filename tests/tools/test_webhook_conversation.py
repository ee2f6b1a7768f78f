"""A webhook tool called through the dispatcher and the conversation core, in real time."""

import asyncio
from collections.abc import AsyncIterator

from openconvai.conversation.events import AgentResponse, EndReason
from openconvai.providers.llm.base import LanguageModel, LlmEvent, LlmRequest, TextDelta, ToolCall
from openconvai.security.outbound import OutboundGuard
from openconvai.tools.registry import default_registry
from openconvai.tools.webhook import llm_parameters
from tests.support.core import Harness, make_setup, start
from tests.tools.recording_server import Reply, recording_server
from tests.tools.webhook_support import ORDER_API, agent_tool, context, webhook


async def test_the_registry_runs_webhooks_only_with_a_guard(guard: OutboundGuard) -> None:
    config = webhook("http://127.0.0.1:1/x")
    tool_call = ToolCall("call_1", config.name, {})
    outcome = await default_registry().run(tool_call, agent_tool(config), context())
    assert outcome.is_error and "not available" in outcome.result
    async with recording_server() as server:
        registry = default_registry(guard=guard)
        config = webhook(server.url("/x"))
        outcome = await registry.run(tool_call, agent_tool(config), context())
    assert not outcome.is_error and len(server.received) == 1


class OrderLlm(LanguageModel):
    """Asks for the webhook with real arguments, then says what it answered."""

    def __init__(self) -> None:
        self.requests: list[LlmRequest] = []

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        self.requests.append(request)
        last = request.messages[-1]
        if last.role == "tool":
            yield TextDelta(f"The shop says {last.content}")
            return
        yield ToolCall("call_a", "lookup_order", {"order_id": "42", "quantity": 2})


async def wait_for_agent_turn(h: Harness) -> AgentResponse:
    # Real time: the webhook is a real server. Polled, as the harness has no hook for it.
    for _ in range(500):
        if h.of(AgentResponse) and h.log.turns and h.log.turns[-1].role == "agent":
            response: AgentResponse = h.of(AgentResponse)[-1][1]
            return response
        await asyncio.sleep(0.02)
    raise AssertionError("the agent did not answer within 10 s")


async def test_a_webhook_call_through_the_conversation(guard: OutboundGuard) -> None:
    async with recording_server(lambda r: Reply.of_json({"order": r.path, **r.json()})) as server:
        config = webhook(server.url("/orders/{order_id}"), **ORDER_API)
        model = OrderLlm()
        h = await start(
            make_setup(tools=(agent_tool(config),), text_only=True),
            model=model,
            tools=default_registry(guard=guard),
        )
        try:
            await h.session.user_text("where is my order 42?")
            response = await wait_for_agent_turn(h)
        finally:
            await h.session.end(EndReason.CLIENT_DISCONNECTED)
    assert response.text == 'The shop says {"order": "/orders/42", "quantity": 2}'
    assert model.requests[0].tools[0].parameters == llm_parameters(config.api_schema)
    ((request,),) = [server.received]
    assert request.json() == {"quantity": 2}
    (record,) = h.log.turns[-1].tool_calls
    assert record.tool_name == "lookup_order" and record.tool_type == "webhook"
    assert record.arguments == {"order_id": "42", "quantity": 2}
    assert record.result == '{"order": "/orders/42", "quantity": 2}'
    assert not record.is_error
    assert record.latency_secs is not None and 0 < record.latency_secs < 5
