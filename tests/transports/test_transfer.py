"""transfer_to_agent through the runner and the real services: another agent of the
workspace takes the same conversation over, with its voice, prompt and first words."""

import httpx

from openconvai.state import AppState
from tests.transports.memory_transport import start_memory_conversation


async def agent(client: httpx.AsyncClient, config: dict[str, object]) -> str:
    response = await client.post("/v1/convai/agents/create", json={"conversation_config": config})
    assert response.status_code == 200, response.text
    agent_id: str = response.json()["agent_id"]
    return agent_id


def transfer_tool(to_agent: str, **rule: object) -> dict[str, object]:
    return {
        "type": "system",
        "name": "transfer_to_agent",
        "description": "Hands billing questions to the billing agent",
        "params": {
            "system_tool_type": "transfer_to_agent",
            "transfers": [{"agent_id": to_agent, "condition": "billing questions", **rule}],
        },
    }


async def test_the_second_agent_takes_over_the_same_conversation(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    billing = await agent(
        client,
        {
            "agent": {"first_message": "Billing here, how can I help?"},
            "tts": {"voice_id": "billing-voice"},
        },
    )
    front = await agent(
        client,
        {
            "agent": {
                "first_message": "Front desk.",
                "prompt": {
                    "built_in_tools": {
                        "transfer_to_agent": transfer_tool(
                            billing,
                            transfer_message="Let me pass you on.",
                            enable_transferred_agent_first_message=True,
                        )
                    }
                },
            },
            "tts": {"voice_id": "front-voice"},
        },
    )
    talk = start_memory_conversation(app_state, front)
    assert await talk.channel.replies.get() == "Front desk."
    # The scripted LLM calls the tool a user message names.
    said = await talk.say("please call transfer_to_agent about my bill")
    assert said == "Let me pass you on. Billing here, how can I help?"
    assert await talk.say("why was I charged twice") == "You said: why was I charged twice"
    session = await talk.hang_up()
    assert session is not None
    assert session.setup.agent_id == billing
    assert session.setup.voice.voice_id == "billing-voice"
    stored = (await client.get(f"/v1/convai/conversations/{talk.channel.conversation_id}")).json()
    assert stored["agent_id"] == front and stored["status"] == "done"
    turns = [
        (t["role"], t["message"], (t.get("agent_metadata") or {}).get("agent_id"))
        for t in stored["transcript"]
    ]
    assert turns == [
        ("agent", "Front desk.", None),
        ("user", "please call transfer_to_agent about my bill", None),
        ("agent", None, None),
        ("agent", "Let me pass you on. Billing here, how can I help?", billing),
        ("user", "why was I charged twice", None),
        ("agent", "You said: why was I charged twice", billing),
    ]
    (result,) = stored["transcript"][2]["tool_results"]
    assert result["result"]["result_type"] == "transfer_to_agent_success"
    assert result["result"]["from_agent"] == front and result["result"]["to_agent"] == billing


async def test_a_transfer_to_a_missing_agent_is_a_tool_error(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    front = await agent(
        client,
        {
            "agent": {
                "prompt": {"built_in_tools": {"transfer_to_agent": transfer_tool("agent_nobody")}}
            }
        },
    )
    talk = start_memory_conversation(app_state, front)
    said = await talk.say("please call transfer_to_agent")
    assert said.startswith("The tool said: The transfer failed:")
    assert "does not exist in this workspace" in said
    session = await talk.hang_up()
    assert session is not None and session.setup.agent_id == front
