"""The official `elevenlabs` Python SDK drives a real server process (SQLite and PostgreSQL)."""

import asyncio
from pathlib import Path

import httpx
from elevenlabs import ElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.types import (
    CreateAgentResponseModel,
    GetAgentResponseModel,
    GetAgentsPageResponseModel,
    GetWorkspaceSecretsResponseModel,
    PostWorkspaceSecretResponseModel,
)

from tests.conftest import ADMIN_KEY
from tests.support.live_server import LiveServer, live_server


def sdk(server: LiveServer, http: httpx.Client, key: str | None = None) -> ElevenLabs:
    """The official client, on an HTTP client the test closes (no leaked sockets)."""
    return ElevenLabs(base_url=server.base_url, api_key=key or server.admin_key, httpx_client=http)


def drive_agents(client: ElevenLabs) -> None:
    agents = client.conversational_ai.agents

    created = agents.create(
        conversation_config={
            "agent": {"first_message": "Hello!", "prompt": {"prompt": "Be brief."}}
        },
        name="SDK agent",
        tags=["sdk"],
    )
    assert isinstance(created, CreateAgentResponseModel)
    agent = agents.get(created.agent_id)
    assert isinstance(agent, GetAgentResponseModel)
    config = agent.conversation_config
    assert config.agent is not None and config.agent.first_message == "Hello!"
    assert config.agent.prompt is not None and config.agent.prompt.prompt == "Be brief."
    assert config.tts is not None and config.tts.voice_id == "cjVigY5qzO86Huf0OWal"
    assert config.asr is not None and config.asr.user_input_audio_format == "pcm_16000"
    assert agent.platform_settings is not None

    updated = agents.update(
        created.agent_id, conversation_config={"agent": {"first_message": "Hi again"}}
    )
    assert isinstance(updated, GetAgentResponseModel)
    assert updated.conversation_config.agent is not None
    assert updated.conversation_config.agent.first_message == "Hi again"
    assert updated.conversation_config.agent.prompt is not None
    assert updated.conversation_config.agent.prompt.prompt == "Be brief."
    assert updated.name == "SDK agent"

    for index in range(7):
        agents.create(conversation_config={}, name=f"Pager {index}")
    names: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = agents.list(
            page_size=2, search="pager", cursor=cursor, sort_by="name", sort_direction="asc"
        )
        assert isinstance(page, GetAgentsPageResponseModel)
        pages += 1
        names += [summary.name for summary in page.agents]
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert pages == 4
    assert names == [f"Pager {index}" for index in range(7)]

    twin = agents.duplicate(created.agent_id, name="SDK twin")
    assert isinstance(twin, CreateAgentResponseModel)
    assert agents.get(twin.agent_id).conversation_config.agent.first_message == "Hi again"  # type: ignore[union-attr]
    agents.delete(created.agent_id)
    try:
        agents.get(created.agent_id)
    except ApiError as exc:
        assert exc.status_code == 404
    else:
        raise AssertionError("a deleted agent must be gone")


def drive_secrets(client: ElevenLabs) -> None:
    secrets = client.conversational_ai.secrets
    created = secrets.create(name="crm-token", value="tok-123")
    assert isinstance(created, PostWorkspaceSecretResponseModel)
    listing = secrets.list()
    assert isinstance(listing, GetWorkspaceSecretsResponseModel)
    assert [s.name for s in listing.secrets] == ["crm-token"]
    assert "tok-123" not in listing.json()
    renamed = secrets.update(created.secret_id, name="crm", value="tok-456")
    assert renamed.name == "crm"
    secrets.delete(created.secret_id)
    assert secrets.list().secrets == []


def drive_auth(stranger: ElevenLabs) -> None:
    try:
        stranger.conversational_ai.agents.list()
    except ApiError as exc:
        assert exc.status_code == 401
    else:
        raise AssertionError("a wrong key must be refused")


async def test_official_sdk_against_real_server(tmp_path: Path, database_url: str) -> None:
    def scenario() -> None:
        with (
            live_server(tmp_path / "data", database_url, ADMIN_KEY) as server,
            httpx.Client(timeout=30) as http,
        ):
            drive_agents(sdk(server, http))
            drive_secrets(sdk(server, http))
            drive_auth(sdk(server, http, "sk_not_a_key"))

    await asyncio.to_thread(scenario)
