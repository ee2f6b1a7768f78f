"""Each embedded model on its own: real weights, real audio, no network."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from openconvai.providers.catalog import check_language
from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.base import ChatMessage, LlmRequest, TextDelta, ToolCall, ToolSpec
from openconvai.providers.local import LocalModels
from openconvai.providers.pipeline import Pipeline
from openconvai.providers.tts.base import Voice
from openconvai.providers.vad.energy import EnergyVad
from openconvai.settings import Settings
from tests.support.speech import rms_dbfs, say
from tests.support.wer import word_error_rate

pytestmark = pytest.mark.slow

WEATHER = ToolSpec(
    "get_weather",
    "Get the current weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@pytest.fixture(scope="module")
def local(models_dir: Path, espeak: None) -> Iterator[LocalModels]:
    settings = Settings(data_dir=models_dir.parent, models_dir=models_dir, local_models=True)
    models = LocalModels(settings)
    models.preload()
    yield models


def frames(samples: np.ndarray) -> list[np.ndarray]:
    return [samples[i : i + 320] for i in range(0, samples.size - 319, 320)]


async def test_silero_hears_speech_and_not_silence(local: LocalModels) -> None:
    vad = local.vad()
    assert vad is not None
    stream = vad.stream()
    speech = [await stream.process(f) for f in frames(say("Good morning, how are you?"))]
    quiet = [await stream.process(f) for f in frames(np.zeros(16000, dtype=np.int16))]
    assert np.mean(np.array(speech) > 0.5) > 0.5
    assert max(quiet[10:]) < 0.2


async def test_whisper_transcribes_with_partials_and_a_preview(local: LocalModels) -> None:
    stt = local.stt()
    assert stt is not None
    partials: list[str] = []
    stream = stt.stream(language="en", keywords=(), on_partial=partials.append)
    sentence = "Please tell me what time the museum opens on Sunday."
    for frame in frames(say(sentence)):
        stream.push(frame)
        await asyncio.sleep(0.02)  # real time, so tentative transcripts have room to run
    preview = await stream.preview()
    final = await stream.finish()
    assert partials and preview == final
    assert word_error_rate(sentence, final) <= 0.15, final
    assert await stream.finish() == ""  # finish used the audio up
    await stream.aclose()


async def test_the_local_llm_streams_text_and_calls_tools_through_its_grammar(
    local: LocalModels,
) -> None:
    llm = local.llm()
    assert llm is not None
    system = ChatMessage("system", "You are a helpful assistant. Answer in one short sentence.")

    async def ask(question: str) -> list[object]:
        request = LlmRequest(
            model="gemini-2.0-flash",
            messages=[system, ChatMessage("user", question)],
            tools=[WEATHER],
            temperature=0.0,
        )
        return [event async for event in llm.stream(request)]

    weather = await ask("What's the weather in Paris right now?")
    calls = [event for event in weather if isinstance(event, ToolCall)]
    assert calls and calls[0].name == "get_weather"
    assert calls[0].arguments.get("city", "").lower() == "paris"
    hamlet = await ask("Who wrote the play Hamlet?")
    text = "".join(event.text for event in hamlet if isinstance(event, TextDelta))
    assert "shakespeare" in text.lower()
    assert not any(isinstance(event, ToolCall) for event in hamlet)


async def test_local_voices_speak_and_a_language_nobody_speaks_is_refused(
    local: LocalModels,
) -> None:
    tts, stt, llm = local.tts(), local.stt(), local.llm()
    assert tts is not None and stt is not None and llm is not None
    voice = Voice(voice_id="cjVigY5qzO86Huf0OWal", model_id="eleven_turbo_v2", language="en")
    audio = np.concatenate([chunk async for chunk in tts.synthesize("Hello there.", voice)])
    assert tts.sample_rate == 22050 and audio.size > 22050 // 2 and rms_dbfs(audio) > -35
    german = Voice(voice_id="espeak-ng", model_id="m", language="de")
    spoken = np.concatenate([chunk async for chunk in tts.synthesize("Guten Tag.", german)])
    assert spoken.size > 0
    pipeline = Pipeline(vad=EnergyVad(), stt=stt, llm=llm, tts=tts)
    await check_language(pipeline, voice, text_only=False)
    with pytest.raises(ProviderError) as refused:
        await check_language(pipeline, Voice("v", "m", language="fil"), text_only=False)
    assert refused.value.error_type == "value_error" and "fil" in refused.value.message
