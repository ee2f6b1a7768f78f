"""The conversation runner serves any transport: here an in-memory one written in the test."""

import asyncio

import httpx

from openconvai.state import AppState
from tests.transports.memory_transport import start_memory_conversation


async def create_agent(client: httpx.AsyncClient, **config: object) -> str:
    response = await client.post("/v1/convai/agents/create", json={"conversation_config": config})
    assert response.status_code == 200, response.text
    agent_id: str = response.json()["agent_id"]
    return agent_id


async def test_a_memory_transport_holds_a_stored_conversation(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    agent_id = await create_agent(client, agent={"first_message": "Hello from memory."})
    talk = start_memory_conversation(app_state, agent_id)
    assert await talk.channel.replies.get() == "Hello from memory."
    assert app_state.live.count() == 1
    assert await talk.say("what is the time") == "You said: what is the time"
    assert await talk.say("thanks") == "You said: thanks"
    session = await talk.hang_up()
    assert session is not None and talk.channel.ended is not None
    assert talk.channel.ended.value == "client disconnected"
    assert app_state.live.count() == 0
    assert talk.channel.conversation_id is not None
    response = await client.get(f"/v1/convai/conversations/{talk.channel.conversation_id}")
    stored = response.json()
    assert stored["status"] == "done"
    assert [(entry["role"], entry["message"]) for entry in stored["transcript"]] == [
        ("agent", "Hello from memory."),
        ("user", "what is the time"),
        ("agent", "You said: what is the time"),
        ("user", "thanks"),
        ("agent", "You said: thanks"),
    ]


async def test_the_runner_refuses_through_the_channel(app_state: AppState) -> None:
    talk = start_memory_conversation(app_state, "agent_that_does_not_exist")
    assert await asyncio.wait_for(talk.task, 10) is None
    refusal = talk.channel.refusal
    assert refusal is not None and "was not found" in refusal.message
    assert app_state.live.count() == 0


async def test_concurrency_slots_are_given_back(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    agent_id = await create_agent(client)
    response = await client.patch(
        f"/v1/convai/agents/{agent_id}",
        json={"platform_settings": {"call_limits": {"agent_concurrency_limit": 1}}},
    )
    assert response.status_code == 200, response.text
    first = start_memory_conversation(app_state, agent_id)
    assert await first.say("one") == "You said: one"
    second = start_memory_conversation(app_state, agent_id)
    assert await asyncio.wait_for(second.task, 10) is None
    assert second.channel.refusal is not None and second.channel.refusal.close_code == 1013
    await first.hang_up()
    third = start_memory_conversation(app_state, agent_id)
    assert await third.say("three") == "You said: three"
    await third.hang_up()
