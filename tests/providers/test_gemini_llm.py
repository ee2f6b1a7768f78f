"""The Gemini API on the wire: what the SDK sends, function calls and their signatures."""

import base64
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from openconvai.providers.access import Access
from openconvai.providers.llm.base import (
    ChatMessage,
    LlmEvent,
    LlmRequest,
    TextDelta,
    ToolCall,
    ToolSpec,
    Usage,
)
from openconvai.providers.llm.gemini import OPENING_TURN, GeminiLlm
from tests.support.fake_vendors import CallTool, FakeVendor, gemini_api
from tests.support.fake_vendors.server import serve

KEY = "gemini-test-key"
MODEL = "gemini-2.5-flash"
WEATHER = ToolSpec(
    "get_weather",
    "The weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
SIGNATURE = base64.b64encode(b"opaque reasoning state").decode()
SENTINEL = base64.b64encode(b"skip_thought_signature_validator").decode()


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[FakeVendor, str]]:
    fake = FakeVendor(api_key=KEY)
    with serve(gemini_api.app(fake)) as root:
        yield fake, root


@pytest.fixture
def fake(server: tuple[FakeVendor, str]) -> FakeVendor:
    server[0].reset()
    return server[0]


@pytest.fixture
async def gemini(server: tuple[FakeVendor, str]) -> AsyncIterator[GeminiLlm]:
    llm = GeminiLlm(Access(KEY, server[1], (("X-Trace-Id", "t-7"),)), timeout_secs=2)
    yield llm
    await llm.aclose()


async def collect(llm: GeminiLlm, request: LlmRequest) -> list[LlmEvent]:
    return [event async for event in llm.stream(request)]


def declaration(body: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = body["tools"][0]["functionDeclarations"][0]
    return found


async def test_request_fields(fake: FakeVendor, gemini: GeminiLlm) -> None:
    request = LlmRequest(
        MODEL,
        [ChatMessage("system", "Be brief."), ChatMessage("user", "Hello?")],
        tools=[WEATHER],
        temperature=0.4,
        max_tokens=120,
        extra_body={"cachedContent": "cachedContents/abc"},
    )

    await collect(gemini, request)

    sent = fake.last
    assert sent.path == f"/v1beta/models/{MODEL}:streamGenerateContent"
    assert sent.query["alt"] == "sse"
    assert sent.headers["x-goog-api-key"] == KEY
    assert sent.headers["x-trace-id"] == "t-7"
    assert sent.body["systemInstruction"]["parts"] == [{"text": "Be brief."}]
    assert sent.body["contents"] == [{"role": "user", "parts": [{"text": "Hello?"}]}]
    assert sent.body["generationConfig"] == {"temperature": 0.4, "maxOutputTokens": 120}
    assert sent.body["cachedContent"] == "cachedContents/abc"
    function = declaration(sent.body)
    assert function["name"] == "get_weather"
    assert function["description"] == "The weather in a city"
    # The API reads proto field names in either spelling; the SDK sends snake_case here.
    schema = function.get("parametersJsonSchema", function.get("parameters_json_schema"))
    assert schema == WEATHER.parameters


async def test_turns_follow_the_apis_rules(fake: FakeVendor, gemini: GeminiLlm) -> None:
    messages = [
        ChatMessage("system", "You are a weather line."),
        ChatMessage("assistant", "Hi, which city?"),
        ChatMessage("user", "Rome."),
        ChatMessage("user", "Please hurry."),
        ChatMessage("system", "The user has been silent for a while."),
    ]

    await collect(gemini, LlmRequest(MODEL, messages))

    assert fake.last.body["contents"] == [
        {"role": "user", "parts": [{"text": OPENING_TURN}]},
        {"role": "model", "parts": [{"text": "Hi, which city?"}]},
        {
            "role": "user",
            "parts": [
                {"text": "Rome."},
                {"text": "Please hurry."},
                {"text": "The user has been silent for a while."},
            ],
        },
    ]


async def test_function_call_round_trip(fake: FakeVendor, gemini: GeminiLlm) -> None:
    # Gemini 2.x gives calls no id: one is made up here, and never sent back.
    fake.script(CallTool("", "get_weather", '{"city": "Rome"}', 30, 7))
    question = ChatMessage("user", "Weather in Rome?")

    events = await collect(gemini, LlmRequest(MODEL, [question], tools=[WEATHER]))

    call, usage = events
    assert isinstance(call, ToolCall)
    assert (call.name, call.arguments) == ("get_weather", {"city": "Rome"})
    assert call.id
    assert usage == Usage(MODEL, 30, 7)

    follow_up = [
        question,
        ChatMessage("assistant", tool_calls=(call,)),
        ChatMessage("tool", '{"sky": "clear", "temp": 24}', tool_call_id=call.id),
    ]
    events = await collect(gemini, LlmRequest(MODEL, follow_up, tools=[WEATHER]))

    assert events[0] == TextDelta("Hello")
    model_turn, result_turn = fake.last.body["contents"][1:]
    assert model_turn == {
        "role": "model",
        "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}}],
    }
    assert result_turn == {
        "role": "user",
        "parts": [
            {
                "functionResponse": {
                    "name": "get_weather",
                    "response": {"sky": "clear", "temp": 24},
                }
            }
        ],
    }


async def test_plain_text_tool_results_go_under_output(fake: FakeVendor, gemini: GeminiLlm) -> None:
    call = ToolCall("call_1", "get_weather", {"city": "Rome"})
    messages = [
        ChatMessage("user", "Weather?"),
        ChatMessage("assistant", tool_calls=(call,)),
        ChatMessage("tool", "sunny", tool_call_id="call_1"),
    ]

    await collect(gemini, LlmRequest(MODEL, messages))

    response = fake.last.body["contents"][2]["parts"][0]["functionResponse"]
    assert response == {"id": "call_1", "name": "get_weather", "response": {"output": "sunny"}}


async def test_gemini_3_signatures_go_back_with_their_calls(
    fake: FakeVendor, gemini: GeminiLlm
) -> None:
    model = "gemini-3-flash-preview"
    fake.script(CallTool("fc_1", "get_weather", '{"city": "Oslo"}', signature=SIGNATURE))
    question = ChatMessage("user", "Oslo?")
    events = await collect(gemini, LlmRequest(model, [question], tools=[WEATHER]))
    call = events[0]
    assert call == ToolCall("fc_1", "get_weather", {"city": "Oslo"})
    assert isinstance(call, ToolCall)

    unknown = ToolCall("fc_from_elsewhere", "get_weather", {"city": "Bergen"})
    follow_up = [
        question,
        ChatMessage("assistant", tool_calls=(call,)),
        ChatMessage("tool", "cold", tool_call_id="fc_1"),
        ChatMessage("assistant", tool_calls=(unknown,)),
        ChatMessage("tool", "rain", tool_call_id="fc_from_elsewhere"),
    ]
    await collect(gemini, LlmRequest(model, follow_up, tools=[WEATHER]))

    contents = fake.last.body["contents"]
    assert contents[1]["parts"][0] == {
        "functionCall": {"id": "fc_1", "name": "get_weather", "args": {"city": "Oslo"}},
        "thoughtSignature": SIGNATURE,
    }
    # A call this process never saw gets the validator-skipping signature Gemini 3 needs.
    assert contents[3]["parts"][0]["thoughtSignature"] == SENTINEL


async def test_older_gemini_gets_no_made_up_signature(fake: FakeVendor, gemini: GeminiLlm) -> None:
    call = ToolCall("fc_9", "get_weather", {"city": "Oslo"})
    messages = [
        ChatMessage("user", "Oslo?"),
        ChatMessage("assistant", tool_calls=(call,)),
        ChatMessage("tool", "cold", tool_call_id="fc_9"),
    ]

    await collect(gemini, LlmRequest(MODEL, messages))

    assert "thoughtSignature" not in fake.last.body["contents"][1]["parts"][0]
