"""How the session treats its models: failures mid-turn, stalls, backups, prefix warm-ups."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from openconvai.conversation.events import AgentAudio, AgentResponse, ErrorEvent, UserTranscript
from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.base import LlmEvent, LlmRequest, TextDelta
from openconvai.providers.llm.cascade import CascadingLlm
from openconvai.providers.llm.scripted import ScriptedLlm
from tests.support.core import make_setup, start

pytestmark = pytest.mark.looptime

APOLOGY = "Sorry, the line dropped."


class BreaksOnce:
    """Says a first sentence, then fails (or stalls) mid-reply; fine afterwards."""

    def __init__(self, *, stall: bool = False) -> None:
        self.calls = 0
        self._stall = stall
        self._fine = ScriptedLlm()

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        self.calls += 1
        if self.calls > 1:
            async for event in self._fine.stream(request):
                yield event
            return
        yield TextDelta("Let me think about that. ")
        if self._stall:
            await asyncio.sleep(3600)
        raise ProviderError("custom_llm_error", "the custom LLM answered HTTP 500")


class NeverAnswers:
    """A model that accepts the request and then says nothing."""

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        await asyncio.sleep(3600)
        yield TextDelta("never")


async def test_a_failure_mid_reply_is_reported_apologised_for_and_survived() -> None:
    setup = make_setup(fallback_message=APOLOGY, speculative_replies=False)
    h = await start(setup, model=BreaksOnce(), tts_delay_ms=0)
    await h.speak("hello")
    await asyncio.sleep(8)
    ((_, error),) = h.of(ErrorEvent)
    assert error.error_type == "custom_llm_error" and "HTTP 500" in error.message
    responses = [e.text for _, e in h.of(AgentResponse)]
    assert responses[-1] == APOLOGY
    await h.speak("again")
    await asyncio.sleep(5)
    assert [e.text for _, e in h.of(UserTranscript)] == ["hello", "again"]
    assert [e.text for _, e in h.of(AgentResponse)][-1] == "You said: again"
    # Nothing said is lost: the first sentence was heard before the failure.
    turns = [(turn.role, turn.message) for turn in h.log.turns]
    assert turns == [
        ("user", "hello"),
        ("agent", "Let me think about that."),
        ("agent", APOLOGY),
        ("user", "again"),
        ("agent", "You said: again"),
    ]
    assert h.of(AgentAudio)


async def test_a_speculative_start_that_fails_is_retried_unseen_at_the_turn_end() -> None:
    h = await start(make_setup(fallback_message=APOLOGY), model=BreaksOnce(), tts_delay_ms=0)
    await h.speak("hello")
    await asyncio.sleep(4)
    assert not h.of(ErrorEvent)
    assert [e.text for _, e in h.of(AgentResponse)] == ["You said: hello"]
    assert [(turn.role, turn.message) for turn in h.log.turns] == [
        ("user", "hello"),
        ("agent", "You said: hello"),
    ]


async def test_a_stalled_model_times_out_and_the_backup_answers() -> None:
    cascade = CascadingLlm([NeverAnswers(), ScriptedLlm()], timeout_secs=2, error_type="llm_error")
    h = await start(model=cascade, tts_delay_ms=0)
    await h.speak("hello")
    await asyncio.sleep(4)
    assert not h.of(ErrorEvent)
    assert [e.text for _, e in h.of(AgentResponse)] == ["You said: hello"]


async def test_a_stall_mid_reply_becomes_an_error_after_the_timeout() -> None:
    model = CascadingLlm([BreaksOnce(stall=True)], timeout_secs=3, error_type="llm_error")
    setup = make_setup(fallback_message=APOLOGY, speculative_replies=False)
    h = await start(setup, model=model, tts_delay_ms=0)
    await h.speak("hello")
    await asyncio.sleep(2)
    assert not h.of(ErrorEvent)
    await asyncio.sleep(4)
    ((_, error),) = h.of(ErrorEvent)
    assert error.error_type == "llm_error" and "3 s" in error.message
    assert [e.text for _, e in h.of(AgentResponse)][-1] == APOLOGY


class PrefillingLlm(ScriptedLlm):
    """A scripted model that notes the prompts it was asked to evaluate ahead of time."""

    def __init__(self) -> None:
        super().__init__()
        self.prefilled: list[list[str]] = []

    async def prefill(self, request: LlmRequest) -> None:
        self.prefilled.append([message.content for message in request.messages])


async def test_a_prefix_cache_is_warmed_at_start_and_when_the_user_starts_speaking() -> None:
    model = PrefillingLlm()
    h = await start(model=model, tts_delay_ms=0)
    await asyncio.sleep(0.1)
    assert model.prefilled == [["You are a test agent."]]
    await h.speak("hi")
    await asyncio.sleep(3)
    await h.speak("again")
    await asyncio.sleep(1)
    # The second warm-up holds the conversation so far, before the user's new words.
    assert model.prefilled[-1] == ["You are a test agent.", "hi", "You said: hi"]
