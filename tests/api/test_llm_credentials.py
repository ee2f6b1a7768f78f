"""An agent whose model needs a vendor key nobody configured is refused, clearly."""

import httpx

CLAUDE = {"agent": {"prompt": {"llm": "claude-sonnet-4"}}}


async def add_secret(client: httpx.AsyncClient, name: str, value: str) -> str:
    response = await client.post(
        "/v1/convai/secrets", json={"type": "new", "name": name, "value": value}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["secret_id"])


async def test_a_cloud_model_without_a_key_is_refused_on_create(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/convai/agents/create", json={"conversation_config": CLAUDE})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["status"] == "missing_credentials"
    assert "Anthropic" in detail["message"] and "ANTHROPIC_API_KEY" in detail["message"]


async def test_the_default_model_needs_no_key(client: httpx.AsyncClient) -> None:
    # A new agent's default LLM runs on the embedded model when there is no Google key.
    response = await client.post("/v1/convai/agents/create", json={"conversation_config": {}})
    assert response.status_code == 200, response.text


async def test_a_workspace_secret_named_like_the_variable_is_the_key(
    client: httpx.AsyncClient,
) -> None:
    await add_secret(client, "ANTHROPIC_API_KEY", "sk-ant-test")
    response = await client.post("/v1/convai/agents/create", json={"conversation_config": CLAUDE})
    assert response.status_code == 200, response.text


async def test_patching_to_an_unkeyed_model_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post("/v1/convai/agents/create", json={"conversation_config": {}})
    agent_id = created.json()["agent_id"]
    patch = {"conversation_config": {"agent": {"prompt": {"llm": "gpt-4.1-mini"}}}}
    response = await client.patch(f"/v1/convai/agents/{agent_id}", json=patch)
    assert response.status_code == 400
    assert "OpenAI" in response.json()["detail"]["message"]
    stored = (await client.get(f"/v1/convai/agents/{agent_id}")).json()
    assert stored["conversation_config"]["agent"]["prompt"]["llm"] == "gemini-2.0-flash"


async def test_an_openai_voice_needs_the_openai_key(client: httpx.AsyncClient) -> None:
    config = {"tts": {"voice_id": "openai:alloy"}}
    response = await client.post("/v1/convai/agents/create", json={"conversation_config": config})
    assert response.status_code == 400
    assert "OpenAI voice" in response.json()["detail"]["message"]
