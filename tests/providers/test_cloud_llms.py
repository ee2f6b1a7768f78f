"""Cloud LLMs over their official SDKs, against local servers speaking each vendor's wire
format: what every vendor must do alike (streaming, usage, errors, timeouts, closing),
and which vendor serves each `agent.prompt.llm` name."""

import asyncio
import socket
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, cast, get_args

import pytest
from starlette.applications import Starlette

from openconvai.providers.access import Access
from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.anthropic_messages import AnthropicLlm
from openconvai.providers.llm.base import (
    ChatMessage,
    LlmEvent,
    LlmRequest,
    TextDelta,
    ToolCall,
    ToolSpec,
    Usage,
)
from openconvai.providers.llm.compatible_chat import CompatibleChatLlm
from openconvai.providers.llm.gemini import GeminiLlm
from openconvai.providers.llm.openai_chat import OpenAiChatLlm
from openconvai.providers.llm.vendors import SERVED_LOCALLY, cloud_route
from openconvai.schemas.conversation_config import LLM
from tests.support.fake_vendors import (
    CallTool,
    Fail,
    FakeVendor,
    Stall,
    Text,
    anthropic_api,
    gemini_api,
    openai_api,
)
from tests.support.fake_vendors.server import serve

KEY = "test-key-123"
TIMEOUT = 0.5
WEATHER = ToolSpec(
    "get_weather",
    "The weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


class CloudLlm(Protocol):
    def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class Vendor:
    """How one vendor is faked and reached."""

    name: str
    app: Callable[[FakeVendor], Starlette]
    make: Callable[[Access, float], CloudLlm]
    sdk_path: str  # what the SDK's base URL adds to the server root
    model: str
    label: str  # how error messages name it
    error_type: str = "llm_error"


VENDORS = [
    Vendor(
        "openai",
        openai_api.app,
        lambda access, timeout: OpenAiChatLlm(access, timeout_secs=timeout),
        "/v1",
        "gpt-4o-mini",
        "OpenAI",
    ),
    Vendor(
        "custom-llm",
        openai_api.app,
        # What agents' custom LLMs and the embedded llama.cpp server are reached with.
        lambda access, timeout: CompatibleChatLlm(
            access, timeout_secs=timeout, error_type="custom_llm_error"
        ),
        "/v1",
        "qwen3-4b",
        "custom LLM at 127.0.0.1",
        "custom_llm_error",
    ),
    Vendor(
        "anthropic",
        anthropic_api.app,
        lambda access, timeout: AnthropicLlm(access, timeout_secs=timeout),
        "",
        "claude-haiku-4-5",
        "Anthropic",
    ),
    Vendor(
        "gemini",
        gemini_api.app,
        lambda access, timeout: GeminiLlm(access, timeout_secs=timeout),
        "",
        "gemini-2.5-flash",
        "Gemini",
    ),
]


@dataclass
class Setup:
    vendor: Vendor
    fake: FakeVendor
    llm: CloudLlm

    def request(self, *messages: ChatMessage, **fields: Any) -> LlmRequest:
        turns = messages or (ChatMessage("system", "Be brief."), ChatMessage("user", "Hello?"))
        return LlmRequest(self.vendor.model, turns, **fields)


@pytest.fixture(scope="module", params=VENDORS, ids=[vendor.name for vendor in VENDORS])
def vendor(request: pytest.FixtureRequest) -> Vendor:
    chosen: Vendor = request.param
    return chosen


@pytest.fixture(scope="module")
def server(vendor: Vendor) -> Iterator[tuple[FakeVendor, str]]:
    """One fake server per vendor for the module: starting one per test costs more than
    the tests themselves."""
    fake = FakeVendor(api_key=KEY)
    with serve(vendor.app(fake)) as root:
        yield fake, root + vendor.sdk_path


WARM: set[str] = set()


async def warm_up(vendor: Vendor, base_url: str) -> None:
    """One request with time to spare: a process's first request through an SDK does
    one-off work (the OpenAI and Anthropic SDKs read the Python binary to name the
    platform, google-genai builds its pydantic schemas), up to a second on a busy
    machine, which these tests' 0.5 s timeouts are not about."""
    if vendor.name in WARM:
        return
    llm = vendor.make(Access(KEY, base_url), 30)
    try:
        await collect(llm, LlmRequest(vendor.model, [ChatMessage("user", "Hi")]))
    finally:
        await llm.aclose()
    WARM.add(vendor.name)


@pytest.fixture
def fake_url(server: tuple[FakeVendor, str]) -> tuple[FakeVendor, str]:
    fake, base_url = server
    fake.reset()
    return fake, base_url


@pytest.fixture
async def setup(vendor: Vendor, fake_url: tuple[FakeVendor, str]) -> AsyncIterator[Setup]:
    fake, base_url = fake_url
    await warm_up(vendor, base_url)
    fake.reset()
    llm = vendor.make(Access(KEY, base_url, (("X-Request-Source", "openconvai-test"),)), TIMEOUT)
    yield Setup(vendor, fake, llm)
    await llm.aclose()


async def collect(llm: CloudLlm, request: LlmRequest) -> list[LlmEvent]:
    return [event async for event in llm.stream(request)]


# --- routing -------------------------------------------------------------------------


def test_every_llm_name_is_routed_or_deliberately_local() -> None:
    for name in get_args(LLM):
        route = cloud_route(name)
        if name in SERVED_LOCALLY:
            assert route is None, name
        else:
            assert route is not None, f"{name} has no vendor: route it or list it as local"
    assert set(get_args(LLM)) >= SERVED_LOCALLY


@pytest.mark.parametrize(
    ("llm", "route"),
    [
        ("gpt-4o", ("openai", "gpt-4o")),
        ("gpt-4.1-mini-2025-04-14", ("openai", "gpt-4.1-mini-2025-04-14")),
        ("gpt-5.2-chat-latest", ("openai", "gpt-5.2-chat-latest")),
        ("claude-sonnet-4", ("anthropic", "claude-sonnet-4-20250514")),
        ("claude-3-5-sonnet", ("anthropic", "claude-3-5-sonnet-latest")),
        ("claude-haiku-4-5", ("anthropic", "claude-haiku-4-5")),
        ("claude-sonnet-4-5@20250929", ("anthropic", "claude-sonnet-4-5-20250929")),
        ("claude-3-5-sonnet-v2@20241022", ("anthropic", "claude-3-5-sonnet-20241022")),
        ("gemini-2.0-flash", ("google", "gemini-2.0-flash")),
        ("gemini-2.5-flash-preview-09-2025", ("google", "gemini-2.5-flash-preview-09-2025")),
        ("gpt-oss-120b", None),
        ("qwen3-30b-a3b", None),
        ("grok-beta", None),
        ("custom-llm", None),
        ("no-such-model", None),
    ],
)
def test_cloud_route(llm: str, route: tuple[str, str] | None) -> None:
    assert cloud_route(llm) == route


def test_claude_ids_are_anthropic_api_ids() -> None:
    for name in get_args(LLM):
        route = cloud_route(name)
        if route is not None and route[0] == "anthropic":
            assert route[1].startswith("claude-") and "@" not in route[1], route
            assert "-v1" not in route[1] and "-v2" not in route[1], route


# --- what every vendor does alike --------------------------------------------------------


async def test_text_streams_as_several_deltas_then_usage(setup: Setup) -> None:
    setup.fake.script(Text(("Sure", ", it is", " sunny."), input_tokens=31, output_tokens=6))

    events = await collect(setup.llm, setup.request())

    assert events == [
        TextDelta("Sure"),
        TextDelta(", it is"),
        TextDelta(" sunny."),
        Usage(setup.vendor.model, 31, 6),
    ]


async def test_custom_headers_and_key_reach_the_server(setup: Setup) -> None:
    await collect(setup.llm, setup.request())

    # The fake answers 401 to any other key, so the reply proves the key arrived too.
    assert setup.fake.last.headers["x-request-source"] == "openconvai-test"


async def test_tool_call_comes_out_with_its_arguments(setup: Setup) -> None:
    setup.fake.script(CallTool("call_7", "get_weather", '{"city": "Paris"}', 40, 8))

    events = await collect(setup.llm, setup.request(tools=[WEATHER]))

    assert len(events) == 2
    call, usage = events
    assert isinstance(call, ToolCall)
    assert (call.id, call.name, call.arguments) == ("call_7", "get_weather", {"city": "Paris"})
    assert usage == Usage(setup.vendor.model, 40, 8)


async def test_tool_result_goes_back_and_the_model_answers(setup: Setup) -> None:
    setup.fake.script(CallTool("call_7", "get_weather", '{"city": "Paris"}'))
    question = ChatMessage("user", "Weather in Paris?")
    events = await collect(setup.llm, setup.request(question, tools=[WEATHER]))
    call = events[0]
    assert isinstance(call, ToolCall)

    setup.fake.script(Text(("It is sunny.",)))
    follow_up = setup.request(
        question,
        ChatMessage("assistant", tool_calls=(call,)),
        ChatMessage("tool", '{"sky": "sunny"}', tool_call_id=call.id),
        tools=[WEATHER],
    )
    events = await collect(setup.llm, follow_up)

    assert events[0] == TextDelta("It is sunny.")
    assert "sunny" in str(setup.fake.last.body)


@pytest.mark.parametrize("status", [500, 401, 429])
async def test_http_error_is_a_provider_error(setup: Setup, status: int) -> None:
    setup.fake.script(Fail(status, "scripted trouble"))

    with pytest.raises(ProviderError) as caught:
        await collect(setup.llm, setup.request())

    assert caught.value.error_type == setup.vendor.error_type
    assert caught.value.message.startswith(f"{setup.vendor.label}")
    assert f"HTTP {status}" in caught.value.message
    assert "scripted trouble" in caught.value.message
    assert len(setup.fake.received) == 1, "no retries: the turn has no time for them"


async def test_wrong_key_is_a_401(vendor: Vendor, fake_url: tuple[FakeVendor, str]) -> None:
    _, base_url = fake_url
    llm = vendor.make(Access("wrong-key", base_url), TIMEOUT)
    try:
        with pytest.raises(ProviderError) as caught:
            await collect(llm, LlmRequest(vendor.model, [ChatMessage("user", "Hi")]))
    finally:
        await llm.aclose()

    assert caught.value.error_type == vendor.error_type
    assert "HTTP 401" in caught.value.message


async def test_no_answer_at_all_times_out(setup: Setup) -> None:
    setup.fake.script(Stall())

    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        await collect(setup.llm, setup.request())

    assert TIMEOUT <= time.monotonic() - started < TIMEOUT + 1
    assert caught.value.error_type == setup.vendor.error_type
    assert caught.value.message.startswith(setup.vendor.label)
    assert caught.value.message.endswith(f" sent nothing for {TIMEOUT:g} s")
    assert await setup.fake.wait_for_hangups(1), "the stalled request was left open"


async def test_a_stream_that_stops_mid_answer_times_out(setup: Setup) -> None:
    setup.fake.script(Text(("One", " two", " three"), hold_after=1))
    events: list[LlmEvent] = []

    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        async for event in setup.llm.stream(setup.request()):
            events.append(event)

    assert events == [TextDelta("One")]
    assert TIMEOUT <= time.monotonic() - started < TIMEOUT + 1
    assert "sent nothing" in caught.value.message
    assert await setup.fake.wait_for_hangups(1), "the stalled stream was left open"


async def test_closing_the_iterator_early_closes_the_http_stream(setup: Setup) -> None:
    setup.fake.script(Text(("One", " two", " three"), hold_after=1))

    events = cast(AsyncGenerator[LlmEvent, None], setup.llm.stream(setup.request()))
    assert await anext(events) == TextDelta("One")
    await events.aclose()

    assert await setup.fake.wait_for_hangups(1)
    # The client still works after an abandoned stream.
    assert TextDelta("Hello") in await collect(setup.llm, setup.request())


async def test_unreachable_server_is_a_provider_error(vendor: Vendor) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    llm = vendor.make(Access(KEY, f"http://127.0.0.1:{port}{vendor.sdk_path}"), TIMEOUT)
    try:
        with pytest.raises(ProviderError) as caught:
            await collect(llm, LlmRequest(vendor.model, [ChatMessage("user", "Hi")]))
    finally:
        await llm.aclose()

    assert caught.value.error_type == vendor.error_type
    assert "could not be reached" in caught.value.message


async def test_concurrent_streams_share_one_client(setup: Setup) -> None:
    replies = [Text((f"Reply {n}", "."), input_tokens=n) for n in range(1, 5)]
    setup.fake.script(*replies)

    results = await asyncio.gather(*(collect(setup.llm, setup.request()) for _ in replies))

    usages = [event for result in results for event in result if isinstance(event, Usage)]
    assert sorted(usage.input_tokens for usage in usages) == [1, 2, 3, 4]
