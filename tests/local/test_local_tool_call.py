"""The embedded model calls a webhook tool when asked by voice, and says what it answered.

Five spoken conversations with a default agent whose only tool is `get_weather(city)`;
the model is small, so the bar is 4 of 5: the webhook gets `city` = Paris and the answer
carries the webhook's weather.
"""

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from elevenlabs import ElevenLabs
from elevenlabs.conversational_ai.conversation import Conversation

from tests.conftest import ADMIN_KEY
from tests.support.live_server import live_server
from tests.support.sdk_audio import PcmAudio
from tests.support.speech import say
from tests.tools.recording_server import Received, Reply, recording_server

pytestmark = pytest.mark.slow

RUNS = 5
QUESTION = "What's the weather in Paris?"


def forecast(request: Received) -> Reply:
    city = request.query.get("city", "")
    return Reply.of_json({"city": city, "forecast": "sunny", "temperature_celsius": 21})


def weather_tool(url: str) -> dict[str, Any]:
    return {
        "type": "webhook",
        "name": "get_weather",
        "description": "Gets the current weather of a city",
        "api_schema": {
            "url": url,
            "method": "GET",
            "query_params_schema": {
                "properties": {"city": {"type": "string", "description": "The city's name"}},
                "required": ["city"],
            },
        },
    }


def one_conversation(client: ElevenLabs, agent_id: str, speech: Any) -> list[str]:
    audio = PcmAudio(speech, delay_secs=0.5)
    responses: list[str] = []
    conversation = Conversation(
        client, agent_id, requires_auth=False, audio_interface=audio,
        callback_agent_response=responses.append,
    )  # fmt: skip
    conversation.start_session()
    deadline = time.monotonic() + 60
    # The answer comes after the tool's round: wait for a response that follows it.
    while time.monotonic() < deadline and not any(_mentions_weather(r) for r in responses):
        time.sleep(0.1)
    conversation.end_session()
    conversation.wait_for_session_end()
    return responses


def _mentions_weather(text: str) -> bool:
    lowered = text.lower()
    return "sunny" in lowered or "21" in lowered


async def test_the_embedded_model_calls_a_webhook_tool_by_voice(
    models_dir: Path, espeak: None, tmp_path: Path
) -> None:
    speech = say(QUESTION)
    env = {
        "OPENCONVAI_LOCAL_MODELS": "true",
        "OPENCONVAI_MODELS_DIR": str(models_dir),
        "OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    async with recording_server(forecast) as hooks:

        def scenario() -> list[list[str]]:
            data_dir = tmp_path / "data"
            database = f"sqlite+aiosqlite:///{data_dir / 'store.db'}"
            with (
                live_server(data_dir, database, ADMIN_KEY, extra_env=env) as server,
                httpx.Client(timeout=30) as http,
            ):
                client = ElevenLabs(base_url=server.base_url, api_key=ADMIN_KEY, httpx_client=http)
                tool = client.conversational_ai.tools.create(
                    request={"tool_config": weather_tool(hooks.url("/weather"))}
                )
                agent = client.conversational_ai.agents.create(
                    conversation_config={
                        "agent": {
                            "prompt": {
                                "prompt": "You are a weather assistant. Use get_weather.",
                                "tool_ids": [tool.id],
                            }
                        }
                    }
                )
                return [one_conversation(client, agent.agent_id, speech) for _ in range(RUNS)]

        runs = await asyncio.to_thread(scenario)
    cities = [request.query.get("city", "").lower() for request in hooks.received]
    called = sum(1 for city in cities if "paris" in city)
    answered = sum(1 for responses in runs if any(_mentions_weather(r) for r in responses))
    report = f"webhook cities {cities}; responses {runs}"
    assert called >= RUNS - 1, report
    assert answered >= RUNS - 1, report
    # The model does not call the tool again once it has the result.
    assert len(hooks.received) <= RUNS + 1, report
