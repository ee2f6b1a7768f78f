"""Cloud voices (ElevenLabs, OpenAI) over real HTTP to local fakes of the vendors' APIs."""

import asyncio
from collections.abc import AsyncIterator, Iterator

import numpy as np
import pytest

from openconvai.providers.access import Access
from openconvai.providers.errors import MissingCredentials, ProviderError
from openconvai.providers.tts.base import Voice
from openconvai.providers.tts.elevenlabs_tts import ElevenLabsTts
from openconvai.providers.tts.openai_tts import OpenAiTts
from openconvai.providers.vad.base import Frame
from tests.support.fake_vendors.elevenlabs_api import FakeElevenLabs, tone_pcm
from tests.support.fake_vendors.openai_audio_api import FakeOpenAiAudio
from tests.support.fake_vendors.server import serve
from tests.support.live_server import free_port

ELEVEN_VOICE = Voice(
    voice_id="21m00Tcm4TlvDq8ikWAM",
    model_id="eleven_flash_v2_5",
    language="pt-BR",
    stability=0.35,
    speed=1.1,
    similarity_boost=0.7,
    optimize_streaming_latency=2,
)


@pytest.fixture
def eleven_fake() -> Iterator[tuple[FakeElevenLabs, str]]:
    fake = FakeElevenLabs(audio_ms=600)
    with serve(fake.app) as url:
        yield fake, url


@pytest.fixture
async def eleven(eleven_fake: tuple[FakeElevenLabs, str]) -> AsyncIterator[ElevenLabsTts]:
    fake, url = eleven_fake
    tts = ElevenLabsTts(Access(api_key=fake.api_key, base_url=url, headers=(("x-trace", "abc"),)))
    yield tts
    await tts.aclose()


@pytest.fixture
def openai_fake() -> Iterator[tuple[FakeOpenAiAudio, str]]:
    fake = FakeOpenAiAudio(audio_ms=500)
    with serve(fake.app) as url:
        yield fake, url


@pytest.fixture
async def openai_tts(openai_fake: tuple[FakeOpenAiAudio, str]) -> AsyncIterator[OpenAiTts]:
    fake, url = openai_fake
    tts = OpenAiTts(Access(api_key=fake.api_key, base_url=f"{url}/v1"))
    yield tts
    await tts.aclose()


async def collect(chunks: AsyncIterator[Frame]) -> list[Frame]:
    return [chunk async for chunk in chunks]


async def test_elevenlabs_streams_16k_pcm_in_chunks(
    eleven_fake: tuple[FakeElevenLabs, str], eleven: ElevenLabsTts
) -> None:
    fake, _ = eleven_fake
    fake.chunk_pause = 0.02
    expected = tone_pcm(16000, 600)
    first_at: int | None = None
    frames: list[Frame] = []
    async for frame in eleven.synthesize("Hello there.", ELEVEN_VOICE):
        if first_at is None:
            first_at = fake.bytes_sent
        frames.append(frame)
    assert eleven.sample_rate == 16000
    assert len(frames) > 1
    assert all(frame.dtype == np.int16 and frame.ndim == 1 for frame in frames)
    # The first audio was in hand while the fake was still sending the rest.
    assert first_at is not None and first_at < len(expected)
    # Odd-sized chunks on the wire, yet every sample arrives whole and in order.
    assert np.concatenate(frames).astype("<i2").tobytes() == expected


async def test_elevenlabs_request_carries_voice_and_settings(
    eleven_fake: tuple[FakeElevenLabs, str], eleven: ElevenLabsTts
) -> None:
    fake, _ = eleven_fake
    await collect(eleven.synthesize("Olá, tudo bem?", ELEVEN_VOICE))
    request = fake.requests[-1]
    assert request.voice_id == ELEVEN_VOICE.voice_id
    assert request.query["output_format"] == "pcm_16000"
    assert request.query["optimize_streaming_latency"] == "2"
    assert request.headers["xi-api-key"] == fake.api_key
    assert request.headers["x-trace"] == "abc"
    assert request.body["text"] == "Olá, tudo bem?"
    assert request.body["model_id"] == "eleven_flash_v2_5"
    assert request.body["language_code"] == "pt"
    settings = request.body["voice_settings"]
    assert settings["stability"] == pytest.approx(0.35)
    assert settings["similarity_boost"] == pytest.approx(0.7)
    assert settings["speed"] == pytest.approx(1.1)


async def test_elevenlabs_omits_language_for_models_without_it(
    eleven_fake: tuple[FakeElevenLabs, str], eleven: ElevenLabsTts
) -> None:
    fake, _ = eleven_fake
    voice = Voice(voice_id="v1", model_id="eleven_multilingual_v2", language="de")
    await collect(eleven.synthesize("Hallo", voice))
    assert "language_code" not in fake.requests[-1].body


@pytest.mark.parametrize("status", [500, 429])
async def test_elevenlabs_http_error_is_a_tts_error(
    eleven_fake: tuple[FakeElevenLabs, str], eleven: ElevenLabsTts, status: int
) -> None:
    fake, _ = eleven_fake
    fake.fail_status = status
    with pytest.raises(ProviderError) as caught:
        await collect(eleven.synthesize("Hello", ELEVEN_VOICE))
    assert caught.value.error_type == "tts_cascade_error"
    assert f"HTTP {status}" in caught.value.message
    assert len(fake.requests) == 1  # no retries while a caller waits


async def test_elevenlabs_wrong_key_says_so(eleven_fake: tuple[FakeElevenLabs, str]) -> None:
    _, url = eleven_fake
    tts = ElevenLabsTts(Access(api_key="xi-wrong", base_url=url))
    try:
        with pytest.raises(ProviderError) as caught:
            await collect(tts.synthesize("Hello", ELEVEN_VOICE))
    finally:
        await tts.aclose()
    assert "HTTP 401" in caught.value.message
    assert "Invalid API key" in caught.value.message


async def test_elevenlabs_unreachable_server_is_a_tts_error() -> None:
    tts = ElevenLabsTts(Access(api_key="xi", base_url=f"http://127.0.0.1:{free_port()}"))
    try:
        with pytest.raises(ProviderError) as caught:
            await collect(tts.synthesize("Hello", ELEVEN_VOICE))
    finally:
        await tts.aclose()
    assert caught.value.error_type == "tts_cascade_error"
    assert "ConnectError" in caught.value.message


async def test_elevenlabs_stopping_early_closes_the_stream(
    eleven_fake: tuple[FakeElevenLabs, str], eleven: ElevenLabsTts
) -> None:
    fake, _ = eleven_fake
    fake.chunk_pause = 0.02
    chunks = eleven.synthesize("A long answer.", ELEVEN_VOICE)
    first = await anext(chunks)
    await chunks.aclose()  # type: ignore[attr-defined]
    assert first.size > 0
    # The next request is served normally: the pool was not left with a broken connection.
    assert await collect(eleven.synthesize("Again.", ELEVEN_VOICE))


async def test_elevenlabs_body_cut_off_midway_is_a_tts_error(
    eleven_fake: tuple[FakeElevenLabs, str], eleven: ElevenLabsTts
) -> None:
    fake, _ = eleven_fake
    fake.break_after_bytes = 4004
    frames: list[Frame] = []
    with pytest.raises(ProviderError) as caught:
        async for frame in eleven.synthesize("Hello", ELEVEN_VOICE):
            frames.append(frame)
    assert caught.value.error_type == "tts_cascade_error"
    assert frames  # what came before the cut was already played


def test_cloud_voices_need_a_key() -> None:
    with pytest.raises(MissingCredentials):
        ElevenLabsTts(Access(api_key=None))
    with pytest.raises(MissingCredentials):
        OpenAiTts(Access(api_key=None))


async def test_openai_streams_24k_pcm_in_chunks(
    openai_fake: tuple[FakeOpenAiAudio, str], openai_tts: OpenAiTts
) -> None:
    voice = Voice(voice_id="openai:alloy", model_id="tts-1-hd", speed=1.25)
    frames = await collect(openai_tts.synthesize("Good morning.", voice))
    assert openai_tts.sample_rate == 24000
    assert len(frames) > 1
    assert all(frame.dtype == np.int16 and frame.ndim == 1 for frame in frames)
    assert sum(frame.size for frame in frames) == 24000 * 500 // 1000
    fake, _ = openai_fake
    request = fake.speech_requests[-1]
    assert request.headers["authorization"] == f"Bearer {fake.api_key}"
    assert request.body["model"] == "tts-1-hd"
    assert request.body["voice"] == "alloy"
    assert request.body["input"] == "Good morning."
    assert request.body["response_format"] == "pcm"
    assert request.body["speed"] == pytest.approx(1.25)


async def test_openai_picks_its_own_model_for_other_vendors_model_ids(
    openai_fake: tuple[FakeOpenAiAudio, str], openai_tts: OpenAiTts
) -> None:
    voice = Voice(voice_id="openai:coral", model_id="eleven_turbo_v2", speed=9.0)
    await collect(openai_tts.synthesize("Hi.", voice))
    fake, _ = openai_fake
    body = fake.speech_requests[-1].body
    assert body["model"] == "gpt-4o-mini-tts"
    assert body["voice"] == "coral"
    assert body["speed"] == pytest.approx(4.0)  # kept inside the API's range


async def test_openai_http_error_is_a_tts_error(
    openai_fake: tuple[FakeOpenAiAudio, str], openai_tts: OpenAiTts
) -> None:
    fake, _ = openai_fake
    fake.fail_status = 503
    voice = Voice(voice_id="openai:alloy", model_id="tts-1")
    with pytest.raises(ProviderError) as caught:
        await collect(openai_tts.synthesize("Hi.", voice))
    assert caught.value.error_type == "tts_cascade_error"
    assert "HTTP 503" in caught.value.message
    assert "told to fail" in caught.value.message
    assert len(fake.speech_requests) == 1


async def test_openai_body_cut_off_midway_is_a_tts_error(
    openai_fake: tuple[FakeOpenAiAudio, str], openai_tts: OpenAiTts
) -> None:
    fake, _ = openai_fake
    fake.break_after_bytes = 4804
    voice = Voice(voice_id="openai:alloy", model_id="tts-1")
    with pytest.raises(ProviderError) as caught:
        await collect(openai_tts.synthesize("Hi.", voice))
    assert caught.value.error_type == "tts_cascade_error"


async def test_openai_wrong_key_and_unreachable_server(
    openai_fake: tuple[FakeOpenAiAudio, str],
) -> None:
    _, url = openai_fake
    voice = Voice(voice_id="openai:alloy", model_id="tts-1")
    wrong = OpenAiTts(Access(api_key="sk-wrong", base_url=f"{url}/v1"))
    gone = OpenAiTts(Access(api_key="sk", base_url=f"http://127.0.0.1:{free_port()}/v1"))
    try:
        with pytest.raises(ProviderError) as refused:
            await collect(wrong.synthesize("Hi.", voice))
        with pytest.raises(ProviderError) as unreachable:
            await asyncio.wait_for(collect(gone.synthesize("Hi.", voice)), 10)
    finally:
        await wrong.aclose()
        await gone.aclose()
    assert "HTTP 401" in refused.value.message
    assert unreachable.value.error_type == "tts_cascade_error"
    assert "APIConnectionError" in unreachable.value.message
