"""The conversation WebSocket over a real socket: formats, overrides, variables, auth, errors."""

import base64
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from openconvai.audio.codec import InputDecoder, OutputEncoder
from openconvai.audio.formats import AudioFormat
from openconvai.providers import tone_code
from openconvai.security.signed_urls import issue_token
from tests.conftest import ADMIN_KEY
from tests.support.live_server import LiveServer, finished_conversation, live_server

FORMATS = ["pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_44100", "pcm_48000", "ulaw_8000"]
Json = dict[str, Any]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("socket")
    url = f"sqlite+aiosqlite:///{data_dir / 'store.db'}"
    env = {"OPENCONVAI_SCRIPTED_PROVIDERS": "true"}
    with live_server(data_dir / "data", url, ADMIN_KEY, env) as running:
        yield running


def create_agent(server: LiveServer, conversation_config: Json, **extra: Any) -> str:
    response = httpx.post(
        f"{server.base_url}/v1/convai/agents/create",
        headers={"xi-api-key": ADMIN_KEY},
        json={"conversation_config": conversation_config, **extra},
    )
    assert response.status_code == 200, response.text
    agent_id: str = response.json()["agent_id"]
    return agent_id


def url_for(server: LiveServer, agent_id: str, **params: str) -> str:
    query = "&".join([f"agent_id={agent_id}", *(f"{k}={v}" for k, v in params.items())])
    return server.base_url.replace("http", "ws") + f"/v1/convai/conversation?{query}"


def initiate(ws: ClientConnection, **fields: Any) -> Json:
    ws.send(json.dumps({"type": "conversation_initiation_client_data", **fields}))
    first: Json = json.loads(ws.recv(timeout=10))
    return first


def until(ws: ClientConnection, kind: str, timeout: float = 15) -> Json:
    """Messages are read (pings answered) until one of `kind` arrives."""
    deadline = time.monotonic() + timeout
    while True:
        message: Json = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message["type"] == "ping":
            ws.send(json.dumps({"type": "pong", "event_id": message["ping_event"]["event_id"]}))
        if message["type"] == kind:
            return message


def closed_with(ws: ClientConnection) -> int | None:
    try:
        while True:
            ws.recv(timeout=10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


def spoken(text: str, fmt: str) -> bytes:
    samples = np.concatenate([tone_code.encode(text), np.zeros(16000, dtype=np.int16)])
    encoder = OutputEncoder(16000, AudioFormat.parse(fmt))
    return encoder.encode(samples) + encoder.flush()


def squeeze(text: str) -> str:
    # Each synthesized segment is coded on its own, so the spaces between them are not heard.
    return text.lower().replace(" ", "")


def talk_in_formats(server: LiveServer, input_format: str, output_format: str) -> str:
    agent_id = create_agent(
        server,
        {
            "asr": {"user_input_audio_format": input_format},
            "tts": {"agent_output_audio_format": output_format},
        },
    )
    decoder = InputDecoder(AudioFormat.parse(output_format))
    received: list[np.ndarray] = []
    with connect(url_for(server, agent_id)) as ws:
        metadata = initiate(ws)["conversation_initiation_metadata_event"]
        assert metadata["user_input_audio_format"] == input_format
        assert metadata["agent_output_audio_format"] == output_format
        audio = spoken("testing formats", input_format)
        step = len(audio) // 10
        for start in range(0, len(audio), step):
            ws.send(
                json.dumps(
                    {"user_audio_chunk": base64.b64encode(audio[start : start + step]).decode()}
                )
            )
        transcript = until(ws, "user_transcript")["user_transcription_event"]["user_transcript"]
        assert transcript == "testing formats", (input_format, transcript)
        # The reply's audio may start before or after its text: collect both as they come.
        response: str | None = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=5))
            if message["type"] == "agent_response":
                response = message["agent_response_event"]["agent_response"]
            if message["type"] == "audio":
                received.append(
                    decoder.decode(base64.b64decode(message["audio_event"]["audio_base_64"]))
                )
            heard = tone_code.decode(np.concatenate(received)) if received else ""
            if response is not None and squeeze(response) in squeeze(heard):
                break
    return tone_code.decode(np.concatenate(received))


def test_every_audio_format_both_ways(server: LiveServer) -> None:
    pairs = [(fmt, "pcm_16000") for fmt in FORMATS] + [("pcm_16000", fmt) for fmt in FORMATS]
    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        heard = list(pool.map(lambda pair: talk_in_formats(server, *pair), pairs))
    for pair, text in zip(pairs, heard, strict=True):
        assert squeeze("You said: testing formats") in squeeze(text), (pair, text)


def test_subprotocol_is_echoed_and_metadata_comes_first(server: LiveServer) -> None:
    agent_id = create_agent(server, {"agent": {"first_message": "Hello"}})
    with connect(url_for(server, agent_id), subprotocols=["convai"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "convai"
        first = initiate(ws, conversation_config_override={"text_only": True})
        assert first["type"] == "conversation_initiation_metadata"
        assert until(ws, "agent_response")["agent_response_event"]["agent_response"] == "Hello"


def test_overrides_allowed_and_refused(server: LiveServer) -> None:
    agent_id = create_agent(
        server,
        {"agent": {"first_message": "Default greeting"}},
        platform_settings={
            "overrides": {"conversation_config_override": {"agent": {"first_message": True}}}
        },
    )
    with connect(url_for(server, agent_id)) as ws:
        override = {"conversation": {"text_only": True}, "agent": {"first_message": "Custom hello"}}
        initiate(ws, conversation_config_override=override)
        assert (
            until(ws, "agent_response")["agent_response_event"]["agent_response"] == "Custom hello"
        )
    with connect(url_for(server, agent_id)) as ws:
        error = initiate(ws, conversation_config_override={"agent": {"prompt": {"prompt": "Evil"}}})
        assert error["type"] == "error"
        assert error["error_event"]["error_type"] == "override_error"
        assert "agent.prompt.prompt" in error["error_event"]["message"]
        assert closed_with(ws) == 1008


def test_dynamic_variables_and_the_missing_variable_error(server: LiveServer) -> None:
    agent_id = create_agent(
        server,
        {"agent": {"first_message": "Hi {{name}}, I am {{ system__agent_id }}."}},
    )
    with connect(url_for(server, agent_id)) as ws:
        initiate(
            ws, dynamic_variables={"name": "Ada"}, conversation_config_override={"text_only": True}
        )
        greeting = until(ws, "agent_response")["agent_response_event"]["agent_response"]
        assert greeting == f"Hi Ada, I am {agent_id}."
    with connect(url_for(server, agent_id)) as ws:
        error = initiate(ws, conversation_config_override={"text_only": True})
        assert error["error_event"]["error_type"] == "missing_dynamic_variable"
        assert "name" in error["error_event"]["message"]
        assert closed_with(ws) == 1008


def test_private_agent_needs_a_valid_signed_url(server: LiveServer) -> None:
    agent_id = create_agent(server, {}, platform_settings={"auth": {"enable_auth": True}})
    with connect(url_for(server, agent_id)) as ws:
        assert initiate(ws)["type"] == "error"
        assert closed_with(ws) == 1008
    signed = httpx.get(
        f"{server.base_url}/v1/convai/conversation/get-signed-url",
        params={"agent_id": agent_id},
        headers={"xi-api-key": ADMIN_KEY},
    ).json()["signed_url"]
    assert signed.startswith(server.base_url.replace("http", "ws"))
    with connect(signed + "&source=python_sdk") as ws:
        assert initiate(ws)["type"] == "conversation_initiation_metadata"
    tampered = signed[:-3] + ("AAA" if not signed.endswith("AAA") else "BBB")
    with connect(tampered) as ws:
        assert initiate(ws)["type"] == "error"
    key = (Path(server.log_path).parent / "signing.key").read_bytes()
    expired = issue_token(key, agent_id, ttl_secs=900, now=time.time() - 901)
    with connect(url_for(server, agent_id, conversation_signature=expired)) as ws:
        error = initiate(ws)
        assert error["type"] == "error" and "expired" in error["error_event"]["message"].lower()
    fresh = issue_token(key, agent_id)
    with connect(url_for(server, agent_id, token=fresh)) as ws:
        assert initiate(ws)["type"] == "conversation_initiation_metadata"


def test_allowlist_checks_the_origin(server: LiveServer) -> None:
    agent_id = create_agent(
        server, {}, platform_settings={"auth": {"allowlist": [{"hostname": "good.example"}]}}
    )
    with connect(url_for(server, agent_id), origin="https://bad.example") as ws:  # type: ignore[arg-type]
        assert initiate(ws)["type"] == "error"
        assert closed_with(ws) == 1008
    with connect(url_for(server, agent_id), origin="https://good.example") as ws:  # type: ignore[arg-type]
        assert initiate(ws)["type"] == "conversation_initiation_metadata"


def test_malformed_messages_get_errors_and_the_session_survives(server: LiveServer) -> None:
    agent_id = create_agent(server, {})
    with connect(url_for(server, agent_id)) as ws:
        initiate(ws, conversation_config_override={"text_only": True})
        bad_messages = [
            "not json", "[1, 2]", '{"type": "bogus"}', '{"user_audio_chunk": 5}',
            '{"user_audio_chunk": "***"}', '{"type": "user_message"}', '{"type": "pong"}',
        ]  # fmt: skip
        for bad in bad_messages:
            ws.send(bad)
            error = until(ws, "error")["error_event"]
            assert error["error_type"] == "invalid_message", bad
        ws.send(json.dumps({"type": "user_message", "text": "still there?"}))
        reply = until(ws, "agent_response")["agent_response_event"]["agent_response"]
        assert reply == "You said: still there?"


def test_max_duration_ends_the_call(server: LiveServer) -> None:
    agent_id = create_agent(server, {"conversation": {"max_duration_seconds": 2}})
    with connect(url_for(server, agent_id)) as ws:
        initiate(ws, conversation_config_override={"text_only": True})
        error = until(ws, "error", timeout=10)["error_event"]
        assert error["error_type"] == "max_duration_exceeded"
        assert closed_with(ws) == 1000


def test_client_vanishing_mid_turn_keeps_the_transcript(server: LiveServer) -> None:
    agent_id = create_agent(
        server,
        {},
    )
    with connect(url_for(server, agent_id)) as ws:
        conversation_id = initiate(ws)["conversation_initiation_metadata_event"]["conversation_id"]
        ws.send(
            json.dumps(
                {
                    "user_audio_chunk": base64.b64encode(
                        spoken("are you there", "pcm_16000")
                    ).decode()
                }
            )
        )
        until(ws, "audio")  # the agent has started to answer
        # Vanish: drop the TCP connection without a closing handshake.
        ws.socket.close()
    record = finished_conversation(server, conversation_id)
    assert record["transcript"][0]["message"] == "are you there"
    assert record["transcript"][0]["role"] == "user"


def test_concurrent_conversations_do_not_mix(server: LiveServer) -> None:
    agent_id = create_agent(server, {})
    results: dict[int, str] = {}

    def chat(index: int) -> None:
        with connect(url_for(server, agent_id)) as ws:
            initiate(ws, conversation_config_override={"text_only": True})
            ws.send(json.dumps({"type": "user_message", "text": f"number {index}"}))
            results[index] = until(ws, "agent_response")["agent_response_event"]["agent_response"]

    threads = [threading.Thread(target=chat, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {i: f"You said: number {i}" for i in range(20)}


def test_feedback_message_rates_a_response(server: LiveServer) -> None:
    agent_id = create_agent(server, {})
    with connect(url_for(server, agent_id)) as ws:
        started = initiate(ws, conversation_config_override={"text_only": True})
        conversation_id = started["conversation_initiation_metadata_event"]["conversation_id"]
        ws.send(json.dumps({"type": "user_message", "text": "rate me"}))
        event_id = until(ws, "agent_response")["agent_response_event"]["event_id"]
        ws.send(json.dumps({"type": "feedback", "score": "like", "event_id": event_id}))
        time.sleep(0.3)
    record = finished_conversation(server, conversation_id)
    agent_turn = record["transcript"][-1]
    assert agent_turn["feedback"]["score"] == "like"
    assert record["metadata"]["feedback"]["likes"] == 1
