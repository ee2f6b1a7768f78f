"""Two spoken conversations with an agent on default settings, embedded models only.

Run as `python -m tests.local.offline_scenario OUT.json` inside a network namespace with
only loopback (see test_offline_conversation.py); it writes what it observed as JSON.
"""

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from elevenlabs import ElevenLabs
from elevenlabs.conversational_ai.conversation import Conversation

from tests.conftest import ADMIN_KEY
from tests.support.live_server import LiveServer, live_server
from tests.support.sdk_audio import PcmAudio
from tests.support.speech import rms_dbfs, say

QUESTION = "Please tell me what time the museum opens on Sunday."


def resident_mb(pid: int) -> float:
    """A process's resident memory in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def converse(client: ElevenLabs, agent_id: str, speech: np.ndarray) -> dict[str, Any]:
    """One spoken turn through the SDK; what came back."""
    audio = PcmAudio(speech, delay_secs=0.5)
    responses: list[str] = []
    transcripts: list[str] = []
    started = time.monotonic()
    conversation = Conversation(
        client,
        agent_id,
        requires_auth=False,
        audio_interface=audio,
        callback_agent_response=responses.append,
        callback_user_transcript=transcripts.append,
    )
    conversation.start_session()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (transcripts and len(responses) > 0):
        time.sleep(0.05)
    # Let the reply's audio play out: done once nothing new arrived for a second.
    heard = -1
    while time.monotonic() < deadline and heard != len(audio.received):
        heard = len(audio.received)
        time.sleep(1.0)
    conversation.end_session()
    conversation_id = conversation.wait_for_session_end()
    pcm = np.frombuffer(bytes(audio.received), dtype="<i2")
    latency = None
    if audio.first_audio_after_speech is not None and audio.speech_ended_at is not None:
        latency = audio.first_audio_after_speech - audio.speech_ended_at
    return {
        "conversation_id": conversation_id,
        "user_transcripts": transcripts,
        "agent_responses": responses,
        "audio_samples": int(pcm.size),
        "audio_dbfs": rms_dbfs(pcm),
        "first_audio_after_speech_secs": latency,
        "secs": time.monotonic() - started,
    }


def run(out: Path) -> None:
    """Start a server on the embedded models and hold two conversations with it."""
    speech = say(QUESTION)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        env = {
            "OPENCONVAI_LOCAL_MODELS": "true",
            "OPENCONVAI_MODELS_DIR": os.environ["OPENCONVAI_MODELS_DIR"],
            "OPENCONVAI_LOG_LEVEL": "info",
        }
        database = f"sqlite+aiosqlite:///{data_dir / 'store.db'}"
        with live_server(data_dir, database, ADMIN_KEY, extra_env=env) as server:
            result = scenario(server, speech)
            result["server_log"] = server.log_path.read_text()
    out.write_text(json.dumps(result, indent=1))


def scenario(server: LiveServer, speech: np.ndarray) -> dict[str, Any]:
    """Create an agent with default settings and talk to it twice."""
    with httpx.Client(timeout=30) as http:
        client = ElevenLabs(base_url=server.base_url, api_key=ADMIN_KEY, httpx_client=http)
        agent = client.conversational_ai.agents.create(conversation_config={})
        rss_start = resident_mb(server.process.pid)
        first = converse(client, agent.agent_id, speech)
        rss_first = resident_mb(server.process.pid)
        second = converse(client, agent.agent_id, speech)
        rss_second = resident_mb(server.process.pid)
    return {
        "conversations": [first, second],
        "rss_mb": [rss_start, rss_first, rss_second],
        "question": QUESTION,
    }


if __name__ == "__main__":
    run(Path(sys.argv[1]))
