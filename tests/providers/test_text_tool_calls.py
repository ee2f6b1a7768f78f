"""Tool calls a model wrote as JSON text become tool calls; other replies stream untouched."""

from collections.abc import AsyncIterator

from openconvai.providers.llm.base import LlmEvent, TextDelta, ToolCall, ToolSpec, Usage
from openconvai.providers.llm.text_tool_calls import parse_tool_call, tool_calls_from_text

TOOLS = [ToolSpec("get_weather", "Weather for a city")]


class Deltas:
    """An LLM stream of the given text pieces, noting whether it was closed early."""

    def __init__(self, *pieces: str) -> None:
        self.pieces = pieces
        self.closed_early = False

    async def stream(self) -> AsyncIterator[LlmEvent]:
        try:
            for piece in self.pieces:
                yield TextDelta(piece)
            yield Usage("m", 1, 1)
        except GeneratorExit:
            self.closed_early = True
            raise


async def run(source: Deltas, tools: list[ToolSpec] = TOOLS) -> list[LlmEvent]:
    return [event async for event in tool_calls_from_text(source.stream(), tools, call_id="c1")]


async def test_a_json_reply_naming_a_tool_is_a_call_and_the_rest_is_not_generated() -> None:
    source = Deltas('{"name": "get_', 'weather", "arguments": {"city": "Paris"}}', " Also...")
    events = await run(source)
    assert events == [ToolCall("c1", "get_weather", {"city": "Paris"})]
    assert source.closed_early


async def test_a_fenced_call_is_understood() -> None:
    events = await run(Deltas("```", "json\n", '{"name": "get_weather", "arguments": {}}\n```'))
    assert events[0] == ToolCall("c1", "get_weather", {})


async def test_plain_text_streams_after_its_first_characters() -> None:
    events = await run(Deltas("The ", "sky ", "is blue."))
    assert events[:3] == [TextDelta("The "), TextDelta("sky "), TextDelta("is blue.")]


async def test_json_that_names_no_offered_tool_is_said_as_text() -> None:
    events = await run(Deltas('{"name": "launch", "arguments": {}}'))
    assert events[0] == TextDelta('{"name": "launch", "arguments": {}}')


async def test_without_tools_nothing_is_held() -> None:
    events = await run(Deltas('{"name": "get_weather"}'), tools=[])
    assert events[0] == TextDelta('{"name": "get_weather"}')


def test_a_truncated_call_is_repaired() -> None:
    call = parse_tool_call('{"name": "get_weather", "arguments": {"city": "Par', TOOLS, call_id="x")
    assert call == ToolCall("x", "get_weather", {"city": "Par"})


def test_escaped_quotes_do_not_end_a_string_early() -> None:
    text = '{"name": "get_weather", "arguments": {"city": "A \\"}\\" town"}}'
    call = parse_tool_call(text, TOOLS, call_id="x")
    assert call == ToolCall("x", "get_weather", {"city": 'A "}" town'})
