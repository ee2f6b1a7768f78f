"""OpenAI Chat Completions (and compatible servers) on the wire: what the SDK sends."""

import json
from collections.abc import AsyncIterator, Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from openconvai.providers.access import Access
from openconvai.providers.errors import ProviderError
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
from openconvai.providers.llm.openai_chat import OpenAiChatLlm
from tests.support.fake_vendors import CallTool, Fail, FakeVendor, Text, openai_api
from tests.support.fake_vendors.server import serve

KEY = "sk-test-openai"
WEATHER = ToolSpec(
    "get_weather",
    "The weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[FakeVendor, str]]:
    fake = FakeVendor()
    with serve(openai_api.app(fake)) as root:
        yield fake, root + "/v1"


@pytest.fixture
def fake(server: tuple[FakeVendor, str]) -> FakeVendor:
    vendor, _ = server
    vendor.reset()
    vendor.api_key = None
    return vendor


@pytest.fixture
async def openai(server: tuple[FakeVendor, str]) -> AsyncIterator[OpenAiChatLlm]:
    llm = OpenAiChatLlm(Access(KEY, server[1]), timeout_secs=2)
    yield llm
    await llm.aclose()


@pytest.fixture
async def custom(server: tuple[FakeVendor, str]) -> AsyncIterator[CompatibleChatLlm]:
    # Agents' own servers are reached with the compatible client, not the OpenAI SDK.
    headers = (("X-Tenant", "acme"), ("X-Trace-Id", "trace-42"))
    llm = CompatibleChatLlm(
        Access(None, server[1], headers), timeout_secs=2, error_type="custom_llm_error"
    )
    yield llm
    await llm.aclose()


async def collect(llm: OpenAiChatLlm | CompatibleChatLlm, request: LlmRequest) -> list[LlmEvent]:
    return [event async for event in llm.stream(request)]


async def test_openai_request_fields(fake: FakeVendor, openai: OpenAiChatLlm) -> None:
    request = LlmRequest(
        "gpt-4.1-mini",
        [ChatMessage("system", "Be brief."), ChatMessage("user", "Hello?")],
        tools=[WEATHER],
        temperature=0.2,
        max_tokens=150,
        extra_body={"seed": 7, "user": "conv_1"},
    )

    await collect(openai, request)

    sent = fake.last
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == "gpt-4.1-mini"
    assert sent.body["stream"] is True
    assert sent.body["stream_options"] == {"include_usage": True}
    assert sent.body["temperature"] == 0.2
    # OpenAI's reasoning models refuse `max_tokens`; every OpenAI model takes this one.
    assert sent.body["max_completion_tokens"] == 150
    assert "max_tokens" not in sent.body
    assert sent.body["seed"] == 7 and sent.body["user"] == "conv_1"
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello?"},
    ]
    assert sent.body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "The weather in a city",
                "parameters": WEATHER.parameters,
            },
        }
    ]


async def test_unset_fields_are_not_sent(fake: FakeVendor, openai: OpenAiChatLlm) -> None:
    await collect(openai, LlmRequest("gpt-4o", [ChatMessage("user", "Hi")]))

    for name in ("temperature", "max_tokens", "max_completion_tokens", "tools"):
        assert name not in fake.last.body


async def test_reasoning_models_keep_their_default_temperature(
    fake: FakeVendor, openai: OpenAiChatLlm
) -> None:
    # The API's agents default to temperature 0, which GPT-5 answers with HTTP 400.
    await collect(openai, LlmRequest("gpt-5-mini", [ChatMessage("user", "Hi")], temperature=0))

    assert "temperature" not in fake.last.body


async def test_tool_round_trip_in_openai_format(fake: FakeVendor, openai: OpenAiChatLlm) -> None:
    fake.script(CallTool("call_abc", "get_weather", '{"city": "Oslo", "unit": "C"}'))
    question = ChatMessage("user", "Weather in Oslo?")

    events = await collect(openai, LlmRequest("gpt-4o", [question], tools=[WEATHER]))

    call = ToolCall("call_abc", "get_weather", {"city": "Oslo", "unit": "C"})
    assert events == [call, Usage("gpt-4o", 20, 9)]

    follow_up = [
        question,
        ChatMessage("assistant", "Let me check.", tool_calls=(call,)),
        ChatMessage("tool", '{"temp": 4}', tool_call_id="call_abc"),
    ]
    events = await collect(openai, LlmRequest("gpt-4o", follow_up, tools=[WEATHER]))

    assert events[0] == TextDelta("Hello")
    assistant, tool = fake.last.body["messages"][1:]
    assert assistant == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {
                "id": "call_abc",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Oslo", "unit": "C"}'},
            }
        ],
    }
    assert tool == {"role": "tool", "tool_call_id": "call_abc", "content": '{"temp": 4}'}


async def test_broken_tool_arguments_become_empty(
    fake: FakeVendor, openai: OpenAiChatLlm, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script(CallTool("call_bad", "get_weather", '{"city": "Os'))

    events = await collect(openai, LlmRequest("gpt-4o", [ChatMessage("user", "Hi")]))

    assert events == [ToolCall("call_bad", "get_weather", {}), Usage("gpt-4o", 20, 9)]
    assert "not JSON" in caplog.text


async def test_custom_llm_flavour(fake: FakeVendor, custom: CompatibleChatLlm) -> None:
    request = LlmRequest(
        "my-local-model",
        [ChatMessage("user", "Hi")],
        temperature=0,
        max_tokens=64,
        extra_body={"chat_template_kwargs": {"enable_thinking": False}},
    )

    events = await collect(custom, request)

    assert [event for event in events if isinstance(event, TextDelta)]
    sent = fake.last
    assert sent.headers["x-tenant"] == "acme" and sent.headers["x-trace-id"] == "trace-42"
    # No key configured: no Authorization header at all, not an empty or made-up one.
    assert "authorization" not in sent.headers
    # What every compatible server understands, and the temperature whatever the model.
    assert sent.body["max_tokens"] == 64 and "max_completion_tokens" not in sent.body
    assert sent.body["temperature"] == 0
    assert sent.body["chat_template_kwargs"] == {"enable_thinking": False}


async def test_custom_llm_key_is_a_bearer_token(server: tuple[FakeVendor, str]) -> None:
    fake, base_url = server
    fake.reset()
    fake.api_key = "custom-secret"
    llm = CompatibleChatLlm(
        Access("custom-secret", base_url), timeout_secs=2, error_type="custom_llm_error"
    )
    try:
        await collect(llm, LlmRequest("m", [ChatMessage("user", "Hi")]))
    finally:
        await llm.aclose()

    assert fake.last.headers["authorization"] == "Bearer custom-secret"


async def test_custom_llm_never_gets_the_operators_openai_identity(
    fake: FakeVendor, monkeypatch: pytest.MonkeyPatch, server: tuple[FakeVendor, str]
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-operator")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-operator")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator")
    llm = CompatibleChatLlm(Access(None, server[1]), timeout_secs=2, error_type="custom_llm_error")
    try:
        await collect(llm, LlmRequest("m", [ChatMessage("user", "Hi")]))
    finally:
        await llm.aclose()

    headers = fake.last.headers
    assert "openai-organization" not in headers and "openai-project" not in headers
    assert "authorization" not in headers


async def test_custom_llm_errors_name_the_server(
    fake: FakeVendor, custom: CompatibleChatLlm
) -> None:
    fake.script(Fail(503, "model is loading"))

    with pytest.raises(ProviderError) as caught:
        await collect(custom, LlmRequest("m", [ChatMessage("user", "Hi")]))

    assert caught.value.error_type == "custom_llm_error"
    assert caught.value.message.startswith("custom LLM at 127.0.0.1:")
    assert "HTTP 503: model is loading" in caught.value.message


async def test_text_then_usage_with_several_chunks(fake: FakeVendor, openai: OpenAiChatLlm) -> None:
    fake.script(Text(tuple(f"w{n} " for n in range(12)), input_tokens=3, output_tokens=12))

    events = await collect(openai, LlmRequest("gpt-4o", [ChatMessage("user", "Count")]))

    assert [event.text for event in events if isinstance(event, TextDelta)] == [
        f"w{n} " for n in range(12)
    ]
    assert events[-1] == Usage("gpt-4o", 3, 12)


async def test_sloppy_compatible_server() -> None:
    """A compatible server that leaves out what OpenAI always sends (ids, indexes,
    `delta`, usage) still gives text and tool calls."""
    lines = [
        {"choices": [{"delta": {"role": "assistant"}}]},
        {"choices": [{"delta": {"content": "Checking."}}]},
        {
            "choices": [
                {
                    "delta": {
                        "tool_calls": [
                            {"id": "c1", "function": {"name": "get_weather", "arguments": '{"ci'}}
                        ]
                    }
                }
            ]
        },
        {"choices": [{"delta": {"tool_calls": [{"function": {"arguments": 'ty": "Oslo"}'}}]}}]},
        {"choices": [{"finish_reason": "stop"}]},
    ]

    async def completions(request: Request) -> StreamingResponse:
        async def events() -> AsyncIterator[str]:
            for line in lines:
                yield f"data: {json.dumps(line)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
    with serve(app) as root:
        llm = CompatibleChatLlm(
            Access(None, root + "/v1"), timeout_secs=2, error_type="custom_llm_error"
        )
        try:
            events = await collect(llm, LlmRequest("m", [ChatMessage("user", "Oslo?")]))
        finally:
            await llm.aclose()

    assert events == [TextDelta("Checking."), ToolCall("c1", "get_weather", {"city": "Oslo"})]


async def test_compatible_dialect_apart_from_the_error_type(
    fake: FakeVendor, server: tuple[FakeVendor, str]
) -> None:
    llm = CompatibleChatLlm(Access("local", server[1]), timeout_secs=2, error_type="llm_error")
    fake.script(Fail(500, "out of memory"))
    try:
        with pytest.raises(ProviderError) as caught:
            await collect(llm, LlmRequest("m", [ChatMessage("user", "Hi")], max_tokens=20))
    finally:
        await llm.aclose()

    assert caught.value.error_type == "llm_error"
    assert fake.last.body["max_tokens"] == 20
