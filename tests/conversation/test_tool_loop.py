"""The tool loop on a scripted timeline: concurrent calls, the round limit, pre-tool speech,
tools that may not be interrupted, and the events of server-side tools."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from openconvai.conversation.events import (
    AgentAudio,
    AgentResponse,
    AgentToolRequest,
    AgentToolResponse,
    AgentToolResponseFullPayload,
    Interruption,
    UserTranscript,
)
from openconvai.conversation.setup import AgentTool
from openconvai.conversation.tool_port import ToolCallContext, ToolOutcome
from openconvai.providers.llm.base import (
    LanguageModel,
    LlmEvent,
    LlmRequest,
    TextDelta,
    ToolCall,
    ToolSpec,
)
from openconvai.tools.registry import ToolRegistry, default_registry
from tests.support.core import ALL_EVENTS, make_setup, start

pytestmark = pytest.mark.looptime

EVENTS = ALL_EVENTS | {"agent_tool_request", "agent_tool_response_full_payload"}


class SlowTool:
    """A server-side tool that takes `secs` and says which call it answered."""

    def __init__(self, secs: float) -> None:
        self.secs = secs
        self.started: list[float] = []

    async def run(self, call: ToolCall, tool: AgentTool, context: ToolCallContext) -> ToolOutcome:
        self.started.append(asyncio.get_running_loop().time())
        await asyncio.sleep(self.secs)
        return ToolOutcome(f"done {call.arguments.get('n')}", full_result="the whole result")


class Caller(LanguageModel):
    """Asks for `per_round` calls every round while tools are offered, then answers."""

    def __init__(self, per_round: int = 1) -> None:
        self.per_round = per_round
        self.requests: list[LlmRequest] = []

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        self.requests.append(request)
        always = self.per_round < 0
        if request.tools and (always or request.messages[-1].role != "tool"):
            for n in range(abs(self.per_round)):
                yield ToolCall(f"call_{len(self.requests)}_{n}", "slow", {"n": n})
            return
        results = [m.content for m in request.messages if m.role == "tool"]
        yield TextDelta("Results: " + ", ".join(results))


def slow_tool(**flags: bool) -> AgentTool:
    return AgentTool(
        ToolSpec("slow", "Takes a while"), "webhook", response_timeout_secs=30, **flags
    )


def registry(tool: SlowTool) -> ToolRegistry:
    tools = default_registry()
    tools.register("webhook", tool)
    return tools


async def test_calls_of_one_round_run_at_once_with_their_events() -> None:
    runner = SlowTool(2.0)
    h = await start(
        make_setup(tools=(slow_tool(),), text_only=True, client_events=EVENTS),
        model=Caller(per_round=3),
        tools=registry(runner),
    )
    t0 = h.now()
    await h.session.user_text("do three things")
    await asyncio.sleep(5)
    assert len(runner.started) == 3 and max(runner.started) - min(runner.started) < 0.01
    ((t_answer, answer),) = h.of(AgentResponse)
    assert answer.text == "Results: done 0, done 1, done 2"
    assert t_answer - t0 == pytest.approx(2.0, abs=0.1)  # not 6 s: the calls overlapped
    requests = [e for _, e in h.of(AgentToolRequest)]
    responses = [e for _, e in h.of(AgentToolResponse)]
    payloads = [e for _, e in h.of(AgentToolResponseFullPayload)]
    assert [e.tool_call_id for e in requests] == ["call_1_0", "call_1_1", "call_1_2"]
    assert {e.tool_call_id for e in responses} == {e.tool_call_id for e in requests}
    assert all(e.tool_type == "webhook" and not e.is_error for e in responses)
    assert {e.full_tool_result for e in payloads} == {"the whole result"}
    records = h.log.turns[-1].tool_calls
    assert [r.result for r in records] == ["done 0", "done 1", "done 2"]
    assert all(r.latency_secs is not None and r.latency_secs >= 2.0 for r in records)


async def test_after_the_round_limit_the_model_answers_without_tools() -> None:
    model = Caller(per_round=-1)  # calls again after every result while it may
    h = await start(
        make_setup(tools=(slow_tool(),), text_only=True, max_tool_rounds=2),
        model=model,
        tools=registry(SlowTool(0.1)),
    )
    await h.session.user_text("keep going")
    await asyncio.sleep(3)
    assert [bool(r.tools) for r in model.requests] == [True, True, False]
    ((_, answer),) = h.of(AgentResponse)
    assert answer.text == "Results: done 0, done 0"


async def test_pre_tool_speech_fills_the_wait_of_a_slow_tool() -> None:
    runner = SlowTool(3.0)
    h = await start(
        make_setup(tools=(slow_tool(force_pre_tool_speech=True),)),
        model=Caller(),
        tools=registry(runner),
        tts_delay_ms=0,
    )
    await h.session.user_text("look it up")
    await asyncio.sleep(8)
    first_audio = h.of(AgentAudio)[0][0]
    assert first_audio < runner.started[0] + 3.0  # spoken while the tool ran
    ((_, answer),) = h.of(AgentResponse)
    assert answer.text == "One moment, please. Results: done 0"


async def test_a_tool_that_forbids_interruptions_is_not_interrupted() -> None:
    runner = SlowTool(3.0)
    h = await start(
        make_setup(tools=(slow_tool(disable_interruptions=True, force_pre_tool_speech=True),)),
        model=Caller(),
        tools=registry(runner),
        tts_delay_ms=0,
    )
    await h.session.user_text("look it up")
    await asyncio.sleep(0.3)
    await h.speak("wait", trailing_ms=600)  # said while the tool runs
    await asyncio.sleep(8)
    assert h.of(Interruption) == []
    assert h.of(AgentResponse)[0][1].text == "One moment, please. Results: done 0"
    # What the user said was still heard, and answered after the tool's turn.
    assert [e.text for _, e in h.of(UserTranscript)][-1] == "wait"
