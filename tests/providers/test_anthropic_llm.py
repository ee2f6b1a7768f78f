"""Anthropic's Messages API on the wire: what the SDK sends, and Claude's turn rules."""

from collections.abc import AsyncIterator, Iterator

import pytest

from openconvai.providers.access import Access
from openconvai.providers.llm.anthropic_messages import (
    DEFAULT_MAX_TOKENS,
    OPENING_TURN,
    AnthropicLlm,
    takes_temperature,
)
from openconvai.providers.llm.base import (
    ChatMessage,
    LlmEvent,
    LlmRequest,
    ToolCall,
    ToolSpec,
    Usage,
)
from tests.support.fake_vendors import CallTool, FakeVendor, anthropic_api
from tests.support.fake_vendors.server import serve

KEY = "sk-ant-test"
MODEL = "claude-haiku-4-5"
WEATHER = ToolSpec(
    "get_weather",
    "The weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[FakeVendor, str]]:
    fake = FakeVendor(api_key=KEY)
    with serve(anthropic_api.app(fake)) as root:
        yield fake, root


@pytest.fixture
def fake(server: tuple[FakeVendor, str]) -> FakeVendor:
    server[0].reset()
    return server[0]


@pytest.fixture
async def claude(server: tuple[FakeVendor, str]) -> AsyncIterator[AnthropicLlm]:
    llm = AnthropicLlm(Access(KEY, server[1], (("X-Trace-Id", "t-1"),)), timeout_secs=2)
    yield llm
    await llm.aclose()


async def collect(llm: AnthropicLlm, request: LlmRequest) -> list[LlmEvent]:
    return [event async for event in llm.stream(request)]


async def test_request_fields(fake: FakeVendor, claude: AnthropicLlm) -> None:
    request = LlmRequest(
        MODEL,
        [ChatMessage("system", "Be brief."), ChatMessage("user", "Hello?")],
        tools=[WEATHER],
        temperature=0.3,
        max_tokens=200,
        extra_body={"metadata": {"user_id": "conv_1"}},
    )

    await collect(claude, request)

    sent = fake.last
    assert sent.path == "/v1/messages"
    assert sent.headers["anthropic-version"]
    assert sent.headers["x-trace-id"] == "t-1"
    assert sent.body["model"] == MODEL
    assert sent.body["stream"] is True
    assert sent.body["system"] == "Be brief."
    assert sent.body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Hello?"}]}
    ]
    assert sent.body["max_tokens"] == 200
    assert sent.body["temperature"] == 0.3
    assert sent.body["metadata"] == {"user_id": "conv_1"}
    assert sent.body["tools"] == [
        {
            "name": "get_weather",
            "description": "The weather in a city",
            "input_schema": WEATHER.parameters,
        }
    ]


async def test_max_tokens_has_a_default(fake: FakeVendor, claude: AnthropicLlm) -> None:
    await collect(claude, LlmRequest(MODEL, [ChatMessage("user", "Hi")]))

    assert fake.last.body["max_tokens"] == DEFAULT_MAX_TOKENS
    assert "system" not in fake.last.body and "temperature" not in fake.last.body


async def test_newer_claude_gets_no_temperature(fake: FakeVendor, claude: AnthropicLlm) -> None:
    await collect(claude, LlmRequest("claude-opus-4-7", [ChatMessage("user", "Hi")], temperature=0))

    assert "temperature" not in fake.last.body


@pytest.mark.parametrize(
    ("model", "takes"),
    [
        ("claude-3-haiku-20240307", True),
        ("claude-3-5-sonnet-latest", True),
        ("claude-sonnet-4-20250514", True),
        ("claude-haiku-4-5-20251001", True),
        ("claude-sonnet-4-6", True),
        ("claude-opus-4-6", True),
        ("claude-opus-4-7", False),
        ("claude-opus-4-8", False),
        ("claude-sonnet-5", False),
        ("claude-haiku-5-5", False),
        ("claude-mythos-preview", False),
    ],
)
def test_which_models_take_a_temperature(model: str, takes: bool) -> None:
    assert takes_temperature(model) is takes


async def test_turns_follow_the_apis_rules(fake: FakeVendor, claude: AnthropicLlm) -> None:
    call = ToolCall("toolu_01", "get_weather", {"city": "Rome"})
    messages = [
        ChatMessage("system", "You are a weather line."),
        ChatMessage("system", "Today is Monday."),
        ChatMessage("assistant", "Hi, which city?"),
        ChatMessage("user", "Rome."),
        ChatMessage("user", "Please hurry."),
        ChatMessage("assistant", "", tool_calls=(call,)),
        ChatMessage("user", "Still there?"),
        ChatMessage("tool", "sunny, 24 C", tool_call_id="toolu_01"),
        ChatMessage("system", "The user has been silent for a while."),
    ]

    await collect(claude, LlmRequest(MODEL, messages, tools=[WEATHER]))

    body = fake.last.body
    assert body["system"] == "You are a weather line.\n\nToday is Monday."
    assert body["messages"] == [
        # The agent spoke first; the API wants a user turn before it.
        {"role": "user", "content": [{"type": "text", "text": OPENING_TURN}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Hi, which city?"}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Rome."},
                {"type": "text", "text": "Please hurry."},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": "toolu_01",
                    "name": "get_weather",
                    "input": {"city": "Rome"},
                }
            ],
        },
        {
            "role": "user",
            "content": [
                # Tool results first in their turn, as the API requires.
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": "sunny, 24 C"},
                {"type": "text", "text": "Still there?"},
                {"type": "text", "text": "The user has been silent for a while."},
            ],
        },
    ]


async def test_tool_use_streams_as_input_json(fake: FakeVendor, claude: AnthropicLlm) -> None:
    fake.script(CallTool("toolu_9", "get_weather", '{"city": "Lima", "days": 3}', 50, 14))

    events = await collect(claude, LlmRequest(MODEL, [ChatMessage("user", "Lima?")]))

    assert events == [
        ToolCall("toolu_9", "get_weather", {"city": "Lima", "days": 3}),
        Usage(MODEL, 50, 14),
    ]


async def test_broken_tool_input_becomes_empty(fake: FakeVendor, claude: AnthropicLlm) -> None:
    fake.script(CallTool("toolu_9", "get_weather", '{"city": '))

    events = await collect(claude, LlmRequest(MODEL, [ChatMessage("user", "Lima?")]))

    assert events[0] == ToolCall("toolu_9", "get_weather", {})
