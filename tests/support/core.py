"""Drive the conversation core with no socket: scripted providers, recorded events, fake time.

Tests using these run under `@pytest.mark.looptime`, so every sleep and timeout happens
in virtual time: a 10-second conversation takes milliseconds, and event times are exact.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from openconvai.audio.formats import AudioFormat
from openconvai.conversation.events import CoreEvent
from openconvai.conversation.log import LoggedTurn
from openconvai.conversation.session import ConversationSession
from openconvai.conversation.setup import SessionSetup
from openconvai.conversation.tool_port import ToolDispatcher
from openconvai.providers import tone_code
from openconvai.providers.llm.base import LanguageModel, LlmEvent, LlmRequest, Usage
from openconvai.providers.llm.scripted import ScriptedLlm
from openconvai.providers.pipeline import Pipeline
from openconvai.providers.stt.scripted import ToneCodeStt
from openconvai.providers.tts.base import TextToSpeech, Voice
from openconvai.providers.tts.scripted import ToneCodeTts
from openconvai.providers.vad.energy import EnergyVad
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.services.session_setup import SetupInputs, build_setup
from openconvai.tools.registry import default_registry

ALL_EVENTS = frozenset(
    {
        "audio", "interruption", "user_transcript", "tentative_user_transcript",
        "agent_response", "agent_response_correction", "agent_chat_response_part",
        "agent_tool_response", "vad_score",
    }
)  # fmt: skip


class RecordingLlm(ScriptedLlm):
    """The scripted LLM, keeping every request it was given."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requests: list[LlmRequest] = []

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """Record, then answer as scripted."""
        self.requests.append(request)
        async for event in super().stream(request):
            yield event


@dataclass
class MemoryLog:
    """A ConversationLog that keeps everything in memory."""

    turns: list[LoggedTurn] = field(default_factory=list)
    feedbacks: list[tuple[int, str | None]] = field(default_factory=list)
    usages: list[Usage] = field(default_factory=list)
    closed: dict[str, Any] | None = None
    live: bool = False

    def in_progress(self) -> None:
        self.live = True

    def add(self, turn: LoggedTurn) -> None:
        self.turns.append(turn)

    def feedback(self, event_id: int, score: Literal["like", "dislike"] | None) -> None:
        self.feedbacks.append((event_id, score))

    def usage(self, usage: Usage) -> None:
        self.usages.append(usage)

    async def close(self, **outcome: Any) -> None:
        self.closed = outcome


@dataclass
class Harness:
    """A session plus what it emitted, each event with its (virtual) time."""

    session: ConversationSession
    llm: RecordingLlm
    log: MemoryLog
    events: list[tuple[float, CoreEvent]]
    t0: float

    def now(self) -> float:
        return asyncio.get_running_loop().time() - self.t0

    def of(self, kind: type[CoreEvent]) -> list[tuple[float, Any]]:
        return [(t, e) for t, e in self.events if isinstance(e, kind)]

    async def speak(
        self, text: str, *, fmt: AudioFormat | None = None, trailing_ms: int = 700
    ) -> None:
        """Say `text` as tone code in real-time 20 ms frames, then stay silent."""
        audio = np.concatenate([tone_code.encode(text), np.zeros(16 * trailing_ms, dtype=np.int16)])
        await self.send_audio(audio)

    async def silence(self, ms: int) -> None:
        await self.send_audio(np.zeros(16 * ms, dtype=np.int16))

    async def send_audio(self, samples: np.ndarray) -> None:
        for start in range(0, samples.size, 320):
            await self.session.push_audio(samples[start : start + 320].astype(np.int16))
            await asyncio.sleep(0.02)


def make_setup(**changes: Any) -> SessionSetup:
    """A default agent's setup for the scripted pipeline, 16 kHz PCM both ways, every event
    enabled; built the way conversation start builds it, so its defaults are the schema's."""
    config = ConversationalConfig.model_validate(
        {"agent": {"prompt": {"prompt": "You are a test agent."}}}
    )
    inputs = SetupInputs(
        conversation_id="conv_test",
        agent_id="agent_test",
        text_only=False,
        llm_extra_body={},
        client_values={},
        speculative_replies=True,
    )
    base = replace(
        build_setup(config, inputs),
        llm_model="scripted",
        voice=Voice(voice_id="v", model_id="m"),
        client_events=ALL_EVENTS,
        turn_timeout_secs=-1,
    )
    return replace(base, **changes)


async def start(
    setup: SessionSetup | None = None,
    *,
    first_token_ms: int = 300,
    token_ms: int = 50,
    tts_delay_ms: int = 100,
    reply: str = "You said: {user}",
    model: LanguageModel | None = None,
    synthesizer: TextToSpeech | None = None,
    tools: ToolDispatcher | None = None,
) -> Harness:
    """Start a session on the scripted pipeline and record what it emits.

    `model` replaces the LLM the session talks to (the recording one still records what
    the harness sends it when `model` delegates to `h.llm`); `tools` replaces the tool
    dispatcher (default: `default_registry()`).
    """
    llm = RecordingLlm(reply=reply, first_token_ms=first_token_ms, token_ms=token_ms)
    pipeline = Pipeline(
        vad=EnergyVad(),
        stt=ToneCodeStt(),
        llm=model or llm,
        tts=synthesizer or ToneCodeTts(first_chunk_delay_ms=tts_delay_ms),
    )
    log = MemoryLog()
    events: list[tuple[float, CoreEvent]] = []
    loop = asyncio.get_running_loop()
    t0 = loop.time()

    async def emit(event: CoreEvent) -> None:
        events.append((loop.time() - t0, event))

    dispatcher = default_registry() if tools is None else tools
    session = ConversationSession(setup or make_setup(), pipeline, emit, log, tools=dispatcher)
    await session.start()
    return Harness(session, llm, log, events, t0)
