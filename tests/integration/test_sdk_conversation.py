"""The official Python SDK holds spoken and text conversations with a real server process."""

import asyncio
import threading
import time
from pathlib import Path

import httpx
from elevenlabs import ElevenLabs
from elevenlabs.conversational_ai.conversation import (
    Conversation,
    ConversationInitiationData,
    OnPremInitiationData,
)

from tests.conftest import ADMIN_KEY
from tests.support.live_server import LiveServer, live_server
from tests.support.sdk_audio import ToneCodeAudio

SCRIPTED = {"OPENCONVAI_SCRIPTED_PROVIDERS": "true"}


def wait_for(predicate: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def stored(client: ElevenLabs, conversation_id: str) -> object:
    """The stored conversation once its final writes landed."""
    api = client.conversational_ai.conversations
    wait_for(lambda: api.get(conversation_id).status == "done")
    return api.get(conversation_id)


def spoken_turn(server: LiveServer, http: httpx.Client) -> None:
    client = ElevenLabs(base_url=server.base_url, api_key=ADMIN_KEY, httpx_client=http)
    agent = client.conversational_ai.agents.create(
        conversation_config={"agent": {"first_message": "Hi", "prompt": {"prompt": "Be nice."}}}
    )
    audio = ToneCodeAudio("hello there", delay_secs=1.0)
    responses: list[str] = []
    transcripts: list[str] = []
    conversation = Conversation(
        client,
        agent.agent_id,
        requires_auth=False,
        audio_interface=audio,
        callback_agent_response=responses.append,
        callback_user_transcript=transcripts.append,
    )
    conversation.start_session()
    wait_for(lambda: "You said: hello there" in responses)
    wait_for(lambda: "you said: hello there" in audio.heard_text())
    time.sleep(0.5)  # the server paces audio a little ahead of playback: let it finish
    conversation.end_session()
    conversation_id = conversation.wait_for_session_end()
    assert conversation_id and conversation_id.startswith("conv_")
    assert transcripts == ["hello there"]
    assert responses[0] == "Hi"
    record = stored(client, conversation_id)
    lines = [(t.role, t.message) for t in record.transcript]  # type: ignore[attr-defined]
    assert lines == [("agent", "Hi"), ("user", "hello there"), ("agent", "You said: hello there")]
    assert record.has_audio and record.has_user_audio and record.has_response_audio  # type: ignore[attr-defined]
    recording = b"".join(client.conversational_ai.conversations.audio.get(conversation_id))
    # MP3 frames start with 11 sync bits; at 64 kbit/s a call of a few seconds is > 16 kB.
    assert recording[0] == 0xFF and recording[1] & 0xE0 == 0xE0
    assert len(recording) > 16_000


def text_turn(server: LiveServer, http: httpx.Client) -> None:
    client = ElevenLabs(base_url=server.base_url, api_key=ADMIN_KEY, httpx_client=http)
    agent = client.conversational_ai.agents.create(conversation_config={})
    responses: list[str] = []
    parts: list[str] = []
    conversation = Conversation(
        client,
        agent.agent_id,
        requires_auth=False,
        callback_agent_response=responses.append,
        callback_agent_chat_response_part=lambda text, kind: parts.append(text),
    )
    conversation.start_session()
    wait_for(lambda: conversation._ws is not None and conversation._conversation_id is not None)
    conversation.send_user_message("what is up")
    wait_for(lambda: responses == ["You said: what is up"])
    assert "".join(parts) == "You said: what is up"
    conversation.end_session()
    conversation_id = conversation.wait_for_session_end()
    record = stored(client, conversation_id or "")
    assert [t.message for t in record.transcript] == ["what is up", "You said: what is up"]  # type: ignore[attr-defined]


def self_hosted_turn(server: LiveServer, http: httpx.Client) -> None:
    client = ElevenLabs(base_url=server.base_url, api_key=ADMIN_KEY, httpx_client=http)
    url = server.base_url.replace("http://", "ws://") + "/v1/convai/conversation"
    responses: list[str] = []
    conversation = Conversation(
        client,
        "my-own-agent",
        requires_auth=False,
        config=ConversationInitiationData(dynamic_variables={"name": "Ada"}),
        callback_agent_response=responses.append,
        on_prem_config=OnPremInitiationData(
            on_prem_conversation_url=url,
            agent_config_dict={
                "conversation_config": {"agent": {"first_message": "Hello {{name}}"}}
            },
        ),
    )
    conversation.start_session()
    wait_for(lambda: responses == ["Hello Ada"])
    conversation.send_user_message("ping")
    wait_for(lambda: responses == ["Hello Ada", "You said: ping"])
    conversation.end_session()
    conversation_id = conversation.wait_for_session_end()
    record = stored(client, conversation_id or "")
    assert [t.message for t in record.transcript] == ["Hello Ada", "ping", "You said: ping"]  # type: ignore[attr-defined]


async def test_sdk_conversations(tmp_path: Path, database_url: str) -> None:
    def scenario() -> None:
        with (
            live_server(tmp_path / "data", database_url, ADMIN_KEY, SCRIPTED) as server,
            httpx.Client(timeout=30) as http,
        ):
            errors: list[BaseException] = []
            threads = [
                threading.Thread(target=_catch(errors, step), args=(server, http))
                for step in (spoken_turn, text_turn, self_hosted_turn)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if errors:
                raise errors[0]

    await asyncio.to_thread(scenario)


def _catch(errors: list[BaseException], step: object) -> object:
    def run(*args: object) -> None:
        try:
            step(*args)  # type: ignore[operator]
        except BaseException as exc:
            errors.append(exc)

    return run
