"""The official `elevenlabs` SDK drives tools, a secret's metadata and the LLM list."""

import asyncio
from pathlib import Path

import httpx
from elevenlabs import ElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.types import (
    ConvAiWorkspaceStoredSecretConfig,
    GetToolDependentAgentsResponseModel,
    LlmListResponseModel,
    ToolRequestModel,
    ToolRequestModelToolConfig_Client,
    ToolRequestModelToolConfig_Webhook,
    ToolResponseModel,
    ToolsResponseModel,
    WebhookToolApiSchemaConfigInput,
)

from tests.conftest import ADMIN_KEY
from tests.integration.test_sdk_agents import sdk
from tests.support.live_server import live_server


def _status_of(call: object) -> int:
    assert callable(call)
    try:
        call()
    except ApiError as exc:
        assert exc.status_code is not None
        return exc.status_code
    raise AssertionError("the call should have failed")


def drive_tools(client: ElevenLabs) -> None:
    tools = client.conversational_ai.tools
    secret = client.conversational_ai.secrets.create(name="weather-key", value="wk-1")
    webhook = ToolRequestModelToolConfig_Webhook(
        name="get_weather",
        description="Weather for a city",
        api_schema=WebhookToolApiSchemaConfigInput(
            url="https://api.example/weather",
            request_headers={"Authorization": {"secret_id": secret.secret_id}},
        ),
    )
    created = tools.create(request=ToolRequestModel(tool_config=webhook))
    assert isinstance(created, ToolResponseModel)
    assert created.tool_config.type == "webhook"
    assert created.usage_stats.avg_latency_secs == 0.0
    fetched = tools.get(created.id)
    assert fetched.id == created.id and fetched.tool_config.name == "get_weather"

    show = ToolRequestModelToolConfig_Client(name="show_map", description="Shows a map")
    other = tools.create(request=ToolRequestModel(tool_config=show))
    listing = tools.list(types=["client"])
    assert isinstance(listing, ToolsResponseModel)
    assert [t.id for t in listing.tools] == [other.id] and listing.has_more is False
    first = tools.list(page_size=1, sort_by="name", sort_direction="asc")
    assert first.has_more is True and first.tools[0].tool_config.name == "get_weather"
    second = tools.list(page_size=1, sort_by="name", sort_direction="asc", cursor=first.next_cursor)
    assert second.tools[0].id == other.id

    renamed = ToolRequestModelToolConfig_Client(name="show_big_map", description="Shows a map")
    updated = tools.update(other.id, request=ToolRequestModel(tool_config=renamed))
    assert updated.tool_config.name == "show_big_map"

    agents = client.conversational_ai.agents
    agent = agents.create(
        conversation_config={"agent": {"prompt": {"tool_ids": [created.id]}}}, name="Forecaster"
    )
    dependents = tools.get_dependent_agents(created.id)
    assert isinstance(dependents, GetToolDependentAgentsResponseModel)
    assert [a.id for a in dependents.agents] == [agent.agent_id]
    assert [t.id for t in tools.list(used_by_agent_id=agent.agent_id).tools] == [created.id]
    assert _status_of(lambda: tools.delete(created.id)) == 409
    assert (
        _status_of(
            lambda: agents.create(conversation_config={"agent": {"prompt": {"tool_ids": ["x"]}}})
        )
        == 400
    )

    stored = client.conversational_ai.secrets.get(secret.secret_id)
    assert isinstance(stored, ConvAiWorkspaceStoredSecretConfig)
    assert [t.id for t in stored.used_by.tools] == [created.id]
    assert "wk-1" not in stored.json()

    tools.delete(created.id, force=True)
    agent_config = agents.get(agent.agent_id).conversation_config
    assert agent_config.agent.prompt.tool_ids == []
    tools.delete(other.id)
    assert _status_of(lambda: tools.get(other.id)) == 404
    assert tools.list().tools == []


def drive_llm_list(client: ElevenLabs) -> None:
    listing = client.conversational_ai.llm.list()
    assert isinstance(listing, LlmListResponseModel)
    names = [info.llm for info in listing.llms]
    assert "gemini-2.0-flash" in names and "qwen3-4b" in names
    assert all(info.max_context_limit > 0 for info in listing.llms)


async def test_official_sdk_tools(tmp_path: Path, database_url: str) -> None:
    def scenario() -> None:
        with (
            live_server(tmp_path / "data", database_url, ADMIN_KEY) as server,
            httpx.Client(timeout=30) as http,
        ):
            drive_tools(sdk(server, http))
            drive_llm_list(sdk(server, http))

    await asyncio.to_thread(scenario)
