"""The conversation core on a scripted timeline, with no socket: what it emits, and when.

Providers are deterministic (tone-code speech, scripted LLM with set token timing) and time
is virtual (looptime), so the assertions on order and timing are exact, not tolerant of
load: the same core serves the WebSocket, Twilio, SIP and simulated transports.
"""

import asyncio

import pytest

from openconvai.conversation.events import (
    AgentAudio,
    AgentChatResponsePart,
    AgentResponse,
    AgentResponseCorrection,
    AgentToolResponse,
    ClientToolCall,
    ConversationEnded,
    ConversationStarted,
    ErrorEvent,
    Interruption,
    TentativeUserTranscript,
    UserTranscript,
    VadScore,
)
from openconvai.conversation.setup import AgentTool
from openconvai.providers.llm.base import ToolSpec
from openconvai.providers.tone_code import encoded_duration_secs
from tests.support.core import make_setup, start

pytestmark = pytest.mark.looptime


async def test_first_message_is_spoken_at_once_and_paced_in_real_time() -> None:
    h = await start(make_setup(first_message="Hello there, how can I help?"))
    await asyncio.sleep(5)
    kinds = [type(e).__name__ for _, e in h.events]
    assert kinds[0] == "ConversationStarted"
    assert kinds[1] == "AgentResponse"
    audio = h.of(AgentAudio)
    assert audio and {e.event_id for _, e in audio} == {1}
    assert h.of(AgentResponse)[0][1].text == "Hello there, how can I help?"
    # 100 ms synthesis delay, then chunks paced a quarter-second ahead of playback.
    assert audio[0][0] == pytest.approx(0.1, abs=0.01)
    duration = encoded_duration_secs("Hello there, how can I help?")
    assert audio[-1][0] == pytest.approx(0.1 + duration - 0.1 - 0.25, abs=0.06)
    assert h.log.turns[0].role == "agent" and h.log.turns[0].message.startswith("Hello there")


async def test_spoken_turn_order_and_latency() -> None:
    h = await start()
    await h.speak("hello")
    await asyncio.sleep(3)
    spoken_end = encoded_duration_secs("hello")
    ((t_final, final),) = h.of(UserTranscript)
    assert final.text == "hello"
    # The turn ends after 500 ms of silence (default eagerness), to within a frame.
    assert t_final == pytest.approx(spoken_end + 0.5, abs=0.04)
    partials = h.of(TentativeUserTranscript)
    assert partials and all(t < t_final for t, _ in partials)
    assert partials[-1][1].text in {"hell", "hello"}
    t_audio = h.of(AgentAudio)[0][0]
    # The reply starts speculatively at the first pause (100 ms of silence): first audio is
    # LLM first token (300 ms) + first clause + TTS (100 ms) after that pause, not after
    # the turn's end, yet never before the turn ended.
    assert t_audio - spoken_end == pytest.approx(0.1 + 0.3 + 0.05 * 2 + 0.1, abs=0.06)
    assert t_audio >= t_final
    ((_, response),) = h.of(AgentResponse)
    assert response.text == "You said: hello"
    assert response.event_id > final.event_id
    assert [turn.role for turn in h.log.turns] == ["user", "agent"]
    assert h.log.turns[1].message == "You said: hello"
    assert h.of(VadScore)


async def test_a_pause_that_does_not_end_the_turn_discards_the_speculative_reply() -> None:
    h = await start(first_token_ms=0, token_ms=0, tts_delay_ms=0)
    # A 300 ms pause: long enough to start a reply, too short to end the turn.
    await h.speak("good", trailing_ms=300)
    assert not h.of(UserTranscript) and not h.of(AgentAudio)
    await h.speak("day")
    await asyncio.sleep(2)
    ((t_final, final),) = h.of(UserTranscript)
    assert final.text == "goodday"  # one turn, transcribed whole
    assert all(t >= t_final for t, _ in h.of(AgentAudio))
    ((_, response),) = h.of(AgentResponse)
    assert response.text == "You said: goodday"
    # The model saw the premature turn, but the conversation's context kept only the real one.
    users = [m.content for m in h.llm.requests[-1].messages if m.role == "user"]
    assert users == ["goodday"]
    assert [turn.message for turn in h.log.turns if turn.role == "user"] == ["goodday"]


async def test_a_speculative_reply_calls_no_tool_before_the_turn_ends() -> None:
    tool = AgentTool(spec=ToolSpec("lookup", "Looks up"), type="client", expects_response=False)
    h = await start(make_setup(tools=(tool,)), first_token_ms=0, token_ms=0, tts_delay_ms=0)
    # The model asks for the tool at once, at the first pause; the call waits for the
    # turn's end (500 ms of silence), in case the user was not done.
    await h.speak("call lookup")
    await asyncio.sleep(1)
    calls = h.of(ClientToolCall)
    ((t_final, _),) = h.of(UserTranscript)
    spoken_end = encoded_duration_secs("call lookup")
    assert len(calls) == 1
    assert t_final == pytest.approx(spoken_end + 0.5, abs=0.04)
    assert calls[0][0] >= t_final


async def test_barge_in_cuts_the_reply_to_what_was_heard() -> None:
    long_reply = (
        "This is a long answer that goes on. It has several sentences. Nobody will hear it all."
    )
    h = await start(reply=long_reply, first_token_ms=100, token_ms=10)
    await h.speak("hi")
    await asyncio.sleep(1.5)  # the agent is speaking now
    interrupted_id = h.of(AgentAudio)[-1][1].event_id
    t_barge = h.now()
    await h.speak("stop", trailing_ms=700)
    await asyncio.sleep(3)
    ((t_int, interruption),) = h.of(Interruption)
    assert interruption.event_id == interrupted_id
    # Interrupted once speech lasted 200 ms (60 ms to start, confirmed at 200 ms).
    assert t_int - t_barge == pytest.approx(0.2, abs=0.05)
    late = [t for t, e in h.of(AgentAudio) if e.event_id == interrupted_id and t > t_int]
    assert late == []
    ((_, correction),) = h.of(AgentResponseCorrection)
    assert correction.original == long_reply
    assert long_reply.startswith(correction.corrected) and correction.corrected
    cut = [turn for turn in h.log.turns if turn.interrupted]
    assert len(cut) == 1 and cut[0].message == correction.corrected
    assert cut[0].original_message == long_reply
    # The next reply has a larger id and the model saw only what was heard.
    later = [e for _, e in h.of(AgentAudio) if e.event_id > interrupted_id]
    assert later
    context = [m.content for m in h.llm.requests[-1].messages if m.role == "assistant"]
    assert context[-1] == correction.corrected
    assert [m.content for m in h.llm.requests[-1].messages if m.role == "user"] == ["hi", "stop"]


async def test_text_mode_streams_parts_and_no_audio() -> None:
    h = await start(make_setup(text_only=True, first_message="Hi!"))
    await h.session.user_text("what time is it")
    await asyncio.sleep(2)
    parts = [e for _, e in h.of(AgentChatResponsePart)]
    assert parts[0].kind == "start" and parts[-1].kind == "stop"
    assert "".join(p.text for p in parts if p.kind == "delta") == "You said: what time is it"
    assert [e.text for _, e in h.of(AgentResponse)] == ["Hi!", "You said: what time is it"]
    assert h.of(AgentAudio) == []
    assert h.of(UserTranscript)[0][1].text == "what time is it"


async def test_typed_message_in_voice_mode_gets_a_spoken_reply() -> None:
    h = await start()
    await h.session.user_text("hello")
    await asyncio.sleep(3)
    assert h.of(AgentAudio)
    assert h.log.turns[0].source_medium == "text"


async def test_max_duration_ends_with_the_documented_error() -> None:
    h = await start(make_setup(max_duration_secs=3))
    await h.session.wait_ended()
    ((t_err, error),) = h.of(ErrorEvent)
    assert error.error_type == "max_duration_exceeded"
    assert t_err == pytest.approx(3, abs=0.15)
    assert isinstance(h.events[-1][1], ConversationEnded)
    assert (
        h.log.closed is not None and h.log.closed["termination_reason"] == "max_duration_exceeded"
    )


async def test_silent_user_is_re_engaged_after_turn_timeout() -> None:
    h = await start(make_setup(turn_timeout_secs=7))
    await asyncio.sleep(6)
    h.session.user_activity()  # typing, say: the clock restarts
    await asyncio.sleep(6)
    assert h.of(AgentResponse) == []
    await asyncio.sleep(2)
    ((t_resp, response),) = h.of(AgentResponse)
    assert response.text == "Are you still there?"
    assert t_resp == pytest.approx(6 + 7 + 0.3 + 0.05 * 3, abs=0.15)


async def test_silence_end_call_timeout() -> None:
    h = await start(make_setup(silence_end_call_timeout_secs=4))
    await h.session.wait_ended()
    assert h.now() == pytest.approx(4, abs=0.15)
    assert (
        h.log.closed is not None
        and h.log.closed["termination_reason"] == "silence_end_call_timeout"
    )


async def test_client_tool_call_and_result() -> None:
    tool = AgentTool(
        spec=ToolSpec("lookup", "Looks things up"), type="client", expects_response=True
    )
    h = await start(make_setup(tools=(tool,), text_only=True))
    await h.session.user_text("please call lookup")
    await asyncio.sleep(1)
    ((_, call),) = h.of(ClientToolCall)
    assert call.tool_name == "lookup"
    h.session.client_tool_result(call.tool_call_id, "42 apples", False)
    await asyncio.sleep(2)
    assert h.of(AgentResponse)[-1][1].text == "The tool said: 42 apples"
    agent_turn = h.log.turns[-1]
    assert agent_turn.tool_calls[0].tool_name == "lookup"
    assert agent_turn.tool_calls[0].result == "42 apples"


async def test_end_call_waits_for_the_goodbye() -> None:
    tool = AgentTool(
        spec=ToolSpec("end_call", "Ends the call"), type="system", system_tool_type="end_call"
    )
    h = await start(make_setup(tools=(tool,)), reply="Goodbye then, take care.")
    await h.session.user_text("please call end_call")
    await h.session.wait_ended()
    assert h.of(AgentToolResponse)[0][1].tool_name == "end_call"
    t_end = h.events[-1][0]
    assert isinstance(h.events[-1][1], ConversationEnded)
    assert t_end >= h.of(AgentAudio)[-1][0]


async def test_events_the_client_did_not_ask_for_are_not_sent() -> None:
    h = await start(make_setup(client_events=frozenset({"audio"})))
    await h.speak("hello")
    await asyncio.sleep(3)
    kinds = {type(e) for _, e in h.events}
    assert kinds == {ConversationStarted, AgentAudio}


async def test_contextual_update_informs_the_model_without_a_reply() -> None:
    h = await start(make_setup(text_only=True))
    h.session.contextual_update("The user is on the pricing page.")
    await asyncio.sleep(2)
    assert h.of(AgentResponse) == []
    await h.session.user_text("what does it cost")
    await asyncio.sleep(2)
    context = [m.content for m in h.llm.requests[-1].messages]
    assert "Context update: The user is on the pricing page." in context
    assert context.index("Context update: The user is on the pricing page.") < context.index(
        "what does it cost"
    )


async def test_first_message_can_be_made_uninterruptible() -> None:
    greeting = "Welcome to the clinic. This call may be recorded for quality purposes."
    h = await start(make_setup(first_message=greeting, first_message_interruptible=False))
    await asyncio.sleep(0.5)
    await h.speak("hello", trailing_ms=600)
    await asyncio.sleep(8)
    assert h.of(Interruption) == []
    assert h.log.turns[0].message == greeting and not h.log.turns[0].interrupted
    # The user's words were still heard, and answered once the greeting was over.
    assert [e.text for _, e in h.of(UserTranscript)] == ["hello"]
    assert h.of(AgentResponse)[-1][1].text == "You said: hello"
