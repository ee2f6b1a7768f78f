"""Cloud transcribers (Deepgram live, OpenAI) over real WebSocket/HTTP to local fakes."""

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator

import numpy as np
import pytest

from openconvai.audio.wav import wav_to_pcm16
from openconvai.providers.access import Access
from openconvai.providers.errors import MissingCredentials, ProviderError
from openconvai.providers.stt.deepgram_live import DeepgramStt, DeepgramSttStream
from openconvai.providers.stt.openai_transcribe import OpenAiStt, OpenAiSttStream
from openconvai.providers.vad.base import Frame
from tests.support.fake_vendors.deepgram_api import FakeDeepgram
from tests.support.fake_vendors.openai_audio_api import FakeOpenAiAudio
from tests.support.fake_vendors.server import serve
from tests.support.live_server import free_port

FRAME = 320  # 20 ms at 16 kHz


def speech(seconds: float, frequency: float = 200.0) -> list[Frame]:
    """A tone cut into 20 ms frames (what the core pushes)."""
    count = int(seconds * 16000) // FRAME * FRAME
    times = np.arange(count) / 16000
    audio = (np.sin(2 * np.pi * frequency * times) * 6000).astype(np.int16)
    return [audio[start : start + FRAME] for start in range(0, count, FRAME)]


def push_all(stream: DeepgramSttStream | OpenAiSttStream, frames: list[Frame]) -> None:
    for frame in frames:
        stream.push(frame)


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Wait until `condition()` holds (the fakes run in another thread)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


# --- Deepgram -----------------------------------------------------------------------------


@pytest.fixture
def deepgram_fake() -> Iterator[tuple[FakeDeepgram, str]]:
    fake = FakeDeepgram(script=("Hello there, I need a table.", "For two people.", "Thanks."))
    with serve(fake.app, websockets=True) as url:
        yield fake, url


@pytest.fixture
def deepgram(deepgram_fake: tuple[FakeDeepgram, str]) -> DeepgramStt:
    fake, url = deepgram_fake
    return DeepgramStt(Access(api_key=fake.api_key, base_url=url), finalize_timeout=3.0)


@pytest.fixture
async def dg_stream(deepgram: DeepgramStt) -> AsyncIterator[tuple[DeepgramSttStream, list[str]]]:
    partials: list[str] = []
    stream = deepgram.stream(
        language="en-US", keywords=["Acme", "booking"], on_partial=partials.append
    )
    yield stream, partials
    await stream.aclose()


async def test_deepgram_partials_then_the_final_transcript(
    deepgram_fake: tuple[FakeDeepgram, str], dg_stream: tuple[DeepgramSttStream, list[str]]
) -> None:
    fake, _ = deepgram_fake
    stream, partials = dg_stream
    push_all(stream, speech(1.0))
    await until(lambda: len(partials) >= 3)
    assert partials[0] == "Hello"
    assert partials[1] == "Hello there,"
    assert await stream.finish() == "Hello there, I need a table."
    await stream.aclose()
    (connection,) = fake.connections
    query = connection.query
    assert query["model"] == ["nova-3"]
    assert query["encoding"] == ["linear16"]
    assert query["sample_rate"] == ["16000"]
    assert query["channels"] == ["1"]
    assert query["interim_results"] == ["true"]
    assert query["punctuate"] == ["true"]
    assert query["language"] == ["en-US"]
    assert query["keyterm"] == ["Acme", "booking"]
    assert connection.headers["authorization"] == f"Token {fake.api_key}"
    assert connection.audio_bytes == 32000
    assert connection.controls == ["Finalize", "CloseStream"]
    assert connection.closed_normally


async def test_deepgram_utterances_share_one_connection(
    deepgram_fake: tuple[FakeDeepgram, str], dg_stream: tuple[DeepgramSttStream, list[str]]
) -> None:
    fake, _ = deepgram_fake
    stream, _ = dg_stream
    push_all(stream, speech(0.6))
    assert await stream.finish() == "Hello there, I need a table."
    push_all(stream, speech(0.4))
    assert await stream.finish() == "For two people."
    assert len(fake.connections) == 1
    assert fake.connections[0].controls == ["Finalize", "Finalize"]


async def test_deepgram_joins_the_finals_of_a_long_utterance(
    deepgram_fake: tuple[FakeDeepgram, str], deepgram: DeepgramStt
) -> None:
    fake, _ = deepgram_fake
    fake.word_bytes = 3200
    fake.final_bytes = 9600  # the fake's "endpointing" finalizes every 0.3 s of audio
    stream = deepgram.stream(language="en", keywords=[], on_partial=lambda text: None)
    try:
        push_all(stream, speech(1.0))
        assert await stream.finish() == "Hello there, I need a table."
    finally:
        await stream.aclose()
    finals = [m for m in fake.connections[0].sent if m["type"] == "Results" and m["is_final"]]
    assert len(finals) > 2


async def test_deepgram_reset_drops_the_utterance(
    deepgram_fake: tuple[FakeDeepgram, str], dg_stream: tuple[DeepgramSttStream, list[str]]
) -> None:
    fake, _ = deepgram_fake
    stream, partials = dg_stream
    push_all(stream, speech(0.5))
    await until(lambda: bool(partials))
    stream.reset()
    # What Deepgram still sends about the dropped audio must not leak into the next turn.
    push_all(stream, speech(0.5))
    assert await stream.finish() == "For two people."
    assert fake.connections[0].controls == ["Finalize", "Finalize"]


async def test_deepgram_cancelled_finish_keeps_the_text(
    dg_stream: tuple[DeepgramSttStream, list[str]],
) -> None:
    stream, _ = dg_stream
    push_all(stream, speech(0.5))
    finishing = asyncio.create_task(stream.finish())
    await asyncio.sleep(0)
    finishing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await finishing
    push_all(stream, speech(0.5))  # the user spoke again: one turn
    assert await stream.finish() == "Hello there, I need a table. For two people."


async def test_deepgram_preview_keeps_the_utterance_going(
    deepgram_fake: tuple[FakeDeepgram, str], dg_stream: tuple[DeepgramSttStream, list[str]]
) -> None:
    fake, _ = deepgram_fake
    stream, _ = dg_stream
    push_all(stream, speech(0.5))
    assert await stream.preview() == "Hello there, I need a table."
    push_all(stream, speech(0.5))  # not the end of the turn after all
    assert await stream.finish() == "Hello there, I need a table. For two people."
    # A preview that was the whole turn: the session resets, and nothing carries over.
    push_all(stream, speech(0.4))
    assert await stream.preview() == "Thanks."
    stream.reset()
    assert await stream.finish() == ""
    assert len(fake.connections) == 1


async def test_deepgram_finish_without_audio_opens_nothing(
    deepgram_fake: tuple[FakeDeepgram, str], dg_stream: tuple[DeepgramSttStream, list[str]]
) -> None:
    fake, _ = deepgram_fake
    stream, _ = dg_stream
    assert await stream.finish() == ""
    await stream.aclose()
    assert fake.connections == []


async def test_deepgram_keeps_an_idle_connection_alive(
    deepgram_fake: tuple[FakeDeepgram, str],
) -> None:
    fake, url = deepgram_fake
    stt = DeepgramStt(Access(api_key=fake.api_key, base_url=url), keep_alive_secs=0.05)
    stream = stt.stream(language="en", keywords=[], on_partial=lambda text: None)
    try:
        push_all(stream, speech(0.3))
        await stream.finish()
        await until(lambda: fake.connections[0].controls.count("KeepAlive") >= 2)
    finally:
        await stream.aclose()


@pytest.mark.parametrize(
    ("key", "status", "words"), [("dg-wrong", 401, "Invalid credentials"), (None, 503, "told")]
)
async def test_deepgram_refused_connection_is_an_asr_error(
    deepgram_fake: tuple[FakeDeepgram, str], key: str | None, status: int, words: str
) -> None:
    fake, url = deepgram_fake
    if key is None:
        fake.reject_status = status
    stt = DeepgramStt(Access(api_key=key or fake.api_key, base_url=url))
    stream = stt.stream(language="en", keywords=[], on_partial=lambda text: None)
    try:
        push_all(stream, speech(0.2))
        with pytest.raises(ProviderError) as caught:
            await stream.finish()
    finally:
        await stream.aclose()
    assert caught.value.error_type == "asr_transcription_error"
    assert f"HTTP {status}" in caught.value.message
    assert words in caught.value.message


async def test_deepgram_lost_connection_fails_the_turn_then_reconnects(
    deepgram_fake: tuple[FakeDeepgram, str], dg_stream: tuple[DeepgramSttStream, list[str]]
) -> None:
    fake, _ = deepgram_fake
    stream, _ = dg_stream
    fake.drop_after_bytes = 6400
    push_all(stream, speech(0.4))
    with pytest.raises(ProviderError) as caught:
        await stream.finish()
    assert caught.value.error_type == "asr_transcription_error"
    assert "1011" in caught.value.message
    fake.drop_after_bytes = None
    push_all(stream, speech(0.4))
    assert await stream.finish() == "Hello there, I need a table."
    assert len(fake.connections) == 2


async def test_deepgram_unreachable_server_is_an_asr_error() -> None:
    stt = DeepgramStt(Access(api_key="dg", base_url=f"http://127.0.0.1:{free_port()}"))
    stream = stt.stream(language="en", keywords=[], on_partial=lambda text: None)
    try:
        push_all(stream, speech(0.1))
        with pytest.raises(ProviderError) as caught:
            await stream.finish()
    finally:
        await stream.aclose()
    assert caught.value.error_type == "asr_transcription_error"


async def test_deepgram_handshake_that_never_completes_is_an_asr_error() -> None:
    with socket.socket() as silent:  # accepts TCP connections, never answers the upgrade
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        stt = DeepgramStt(
            Access(api_key="dg", base_url=f"http://127.0.0.1:{port}"), finalize_timeout=0.3
        )
        stream = stt.stream(language="en", keywords=[], on_partial=lambda text: None)
        try:
            push_all(stream, speech(0.2))
            with pytest.raises(ProviderError) as caught:
                await stream.finish()
        finally:
            await stream.aclose()
    assert caught.value.error_type == "asr_transcription_error"
    assert "in time" in caught.value.message


def test_cloud_transcribers_need_a_key() -> None:
    with pytest.raises(MissingCredentials):
        DeepgramStt(Access(api_key=None))
    with pytest.raises(MissingCredentials):
        OpenAiStt(Access(api_key=None))


# --- OpenAI -------------------------------------------------------------------------------


@pytest.fixture
def openai_fake() -> Iterator[tuple[FakeOpenAiAudio, str]]:
    fake = FakeOpenAiAudio(transcript=" I would like to book a table. ")
    with serve(fake.app) as url:
        yield fake, url


@pytest.fixture
async def openai_stt(openai_fake: tuple[FakeOpenAiAudio, str]) -> AsyncIterator[OpenAiStt]:
    fake, url = openai_fake
    stt = OpenAiStt(Access(api_key=fake.api_key, base_url=f"{url}/v1"))
    yield stt
    await stt.aclose()


def uploaded_audio(fake: FakeOpenAiAudio, index: int = -1) -> np.ndarray:
    samples, rate = wav_to_pcm16(fake.transcriptions[index].file)
    assert rate == 16000
    return samples


async def test_openai_uploads_the_utterance_as_wav(
    openai_fake: tuple[FakeOpenAiAudio, str], openai_stt: OpenAiStt
) -> None:
    fake, _ = openai_fake
    partials: list[str] = []
    stream = openai_stt.stream(
        language="en-GB", keywords=["Acme", "booking"], on_partial=partials.append
    )
    frames = speech(0.6)
    push_all(stream, frames)
    assert await stream.finish() == "I would like to book a table."
    assert partials == []
    upload = fake.transcriptions[-1]
    assert upload.headers["authorization"] == f"Bearer {fake.api_key}"
    assert upload.filename == "utterance.wav"
    assert upload.content_type == "audio/wav"
    assert upload.fields["model"] == ["gpt-4o-mini-transcribe"]
    assert upload.fields["language"] == ["en"]
    assert upload.fields["prompt"] == ["Acme, booking"]
    assert np.array_equal(uploaded_audio(fake), np.concatenate(frames))
    # The utterance was consumed: nothing is left to send.
    assert await stream.finish() == ""
    assert len(fake.transcriptions) == 1


async def test_openai_model_choice_and_keywords(openai_fake: tuple[FakeOpenAiAudio, str]) -> None:
    fake, url = openai_fake
    for model in ("whisper-1", "gpt-transcribe"):
        stt = OpenAiStt(Access(api_key=fake.api_key, base_url=f"{url}/v1"), model=model)
        stream = stt.stream(language="", keywords=["Acme", "Zed"], on_partial=lambda text: None)
        try:
            push_all(stream, speech(0.1))
            await stream.finish()
        finally:
            await stt.aclose()
        fields = fake.transcriptions[-1].fields
        assert fields["model"] == [model]
        assert "language" not in fields
        keywords = [
            value for name, values in fields.items() if "keywords" in name for value in values
        ]
        if model == "gpt-transcribe":
            assert keywords == ["Acme", "Zed"]
            assert "prompt" not in fields
        else:
            assert keywords == []
            assert fields["prompt"] == ["Acme, Zed"]


async def test_openai_cancelled_finish_keeps_the_audio(
    openai_fake: tuple[FakeOpenAiAudio, str], openai_stt: OpenAiStt
) -> None:
    fake, _ = openai_fake
    fake.transcription_delay = 0.5
    stream = openai_stt.stream(language="en", keywords=[], on_partial=lambda text: None)
    first, second = speech(0.3, 200.0), speech(0.2, 300.0)
    push_all(stream, first)
    finishing = asyncio.create_task(stream.finish())
    await until(lambda: len(fake.transcriptions) == 1)
    finishing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await finishing
    fake.transcription_delay = 0.0
    push_all(stream, second)
    assert await stream.finish() == "I would like to book a table."
    assert np.array_equal(uploaded_audio(fake), np.concatenate(first + second))


async def test_openai_audio_pushed_during_an_upload_is_the_next_utterance(
    openai_fake: tuple[FakeOpenAiAudio, str], openai_stt: OpenAiStt
) -> None:
    fake, _ = openai_fake
    fake.transcription_delay = 0.2
    stream = openai_stt.stream(language="en", keywords=[], on_partial=lambda text: None)
    first, second = speech(0.3, 200.0), speech(0.2, 300.0)
    push_all(stream, first)
    finishing = asyncio.create_task(stream.finish())
    await until(lambda: len(fake.transcriptions) == 1)
    push_all(stream, second)
    await finishing
    fake.transcription_delay = 0.0
    await stream.finish()
    assert np.array_equal(uploaded_audio(fake, 0), np.concatenate(first))
    assert np.array_equal(uploaded_audio(fake, 1), np.concatenate(second))


async def test_openai_preview_keeps_the_audio(
    openai_fake: tuple[FakeOpenAiAudio, str], openai_stt: OpenAiStt
) -> None:
    fake, _ = openai_fake
    stream = openai_stt.stream(language="en", keywords=[], on_partial=lambda text: None)
    first, second = speech(0.3, 200.0), speech(0.2, 300.0)
    push_all(stream, first)
    assert await stream.preview() == "I would like to book a table."
    push_all(stream, second)
    await stream.finish()
    assert np.array_equal(uploaded_audio(fake, 0), np.concatenate(first))
    assert np.array_equal(uploaded_audio(fake, 1), np.concatenate(first + second))


async def test_openai_reset_drops_the_audio(
    openai_fake: tuple[FakeOpenAiAudio, str], openai_stt: OpenAiStt
) -> None:
    fake, _ = openai_fake
    stream = openai_stt.stream(language="en", keywords=[], on_partial=lambda text: None)
    noise, words = speech(0.2, 500.0), speech(0.3, 200.0)
    push_all(stream, noise)
    stream.reset()
    push_all(stream, words)
    await stream.finish()
    assert np.array_equal(uploaded_audio(fake), np.concatenate(words))


async def test_openai_http_error_is_an_asr_error(
    openai_fake: tuple[FakeOpenAiAudio, str], openai_stt: OpenAiStt
) -> None:
    fake, _ = openai_fake
    fake.fail_status = 500
    stream = openai_stt.stream(language="en", keywords=[], on_partial=lambda text: None)
    push_all(stream, speech(0.2))
    with pytest.raises(ProviderError) as caught:
        await stream.finish()
    assert caught.value.error_type == "asr_transcription_error"
    assert "HTTP 500" in caught.value.message
    assert len(fake.transcriptions) == 0  # refused before the upload was read; no retries
    # The failed turn's audio is not sent again with the next one.
    assert await stream.finish() == ""


async def test_openai_unreachable_server_is_an_asr_error() -> None:
    stt = OpenAiStt(Access(api_key="sk", base_url=f"http://127.0.0.1:{free_port()}/v1"))
    stream = stt.stream(language="en", keywords=[], on_partial=lambda text: None)
    try:
        push_all(stream, speech(0.1))
        with pytest.raises(ProviderError) as caught:
            await stream.finish()
    finally:
        await stt.aclose()
    assert caught.value.error_type == "asr_transcription_error"
    assert "APIConnectionError" in caught.value.message
