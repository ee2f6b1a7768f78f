"""Signed URLs and conversation tokens over HTTP, on SQLite and PostgreSQL."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from openconvai.security.signed_urls import issue_token, verify_token
from openconvai.services import api_keys
from openconvai.services.conversation_auth import verify_conversation_token
from openconvai.services.errors import Unauthorized
from openconvai.state import AppState

SIGNED_URL = "/v1/convai/conversation/get-signed-url"
TOKEN = "/v1/convai/conversation/token"


@pytest.fixture
def wired(app_state: AppState) -> bytes:
    """The running app's signing key (the router is part of the app)."""
    return app_state.signing_key


async def create_agent(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/convai/agents/create", json={"conversation_config": {}})
    assert response.status_code == 200, response.text
    agent_id: str = response.json()["agent_id"]
    return agent_id


def parse(signed_url: str) -> tuple[str, str, str, dict[str, list[str]]]:
    parts = urlsplit(signed_url)
    return parts.scheme, parts.netloc, parts.path, parse_qs(parts.query)


async def test_signed_url_points_at_the_requests_host(
    client: httpx.AsyncClient, wired: bytes
) -> None:
    agent_id = await create_agent(client)
    response = await client.get(SIGNED_URL, params={"agent_id": agent_id})
    assert response.status_code == 200, response.text
    scheme, host, path, query = parse(response.json()["signed_url"])
    assert (scheme, host, path) == ("ws", "testserver", "/v1/convai/conversation")
    assert query["agent_id"] == [agent_id]
    (signature,) = query["conversation_signature"]
    verify_token(wired, signature, agent_id)
    assert verify_conversation_token(wired, agent_id, conversation_signature=signature) == (
        "signed_url"
    )


async def test_signed_url_honours_forwarded_headers(
    client: httpx.AsyncClient, wired: bytes
) -> None:
    agent_id = await create_agent(client)
    response = await client.get(
        SIGNED_URL,
        params={"agent_id": agent_id, "include_conversation_id": "true", "environment": "prod"},
        headers={
            "X-Forwarded-Proto": "https, http",
            "X-Forwarded-Host": "agents.example.com:8443, proxy.internal",
        },
    )
    assert response.status_code == 200, response.text
    scheme, host, path, _ = parse(response.json()["signed_url"])
    assert (scheme, host, path) == ("wss", "agents.example.com:8443", "/v1/convai/conversation")


async def test_signed_url_uses_the_host_header_and_ignores_bad_forwarded_values(
    client: httpx.AsyncClient, wired: bytes
) -> None:
    agent_id = await create_agent(client)
    response = await client.get(
        SIGNED_URL,
        params={"agent_id": agent_id},
        headers={
            "Host": "10.0.0.5:8000",
            "X-Forwarded-Proto": "gopher",
            "X-Forwarded-Host": "evil.example/path?x=1",
        },
    )
    scheme, host, _, _ = parse(response.json()["signed_url"])
    assert (scheme, host) == ("ws", "10.0.0.5:8000")


async def test_signed_url_uses_public_base_url_with_its_prefix(
    client: httpx.AsyncClient, app_state: AppState, wired: bytes
) -> None:
    app_state.settings.public_base_url = "https://voice.example.com/openconvai/"
    agent_id = await create_agent(client)
    response = await client.get(
        SIGNED_URL, params={"agent_id": agent_id}, headers={"X-Forwarded-Host": "other.example"}
    )
    scheme, host, path, query = parse(response.json()["signed_url"])
    assert (scheme, host, path) == (
        "wss",
        "voice.example.com",
        "/openconvai/v1/convai/conversation",
    )
    verify_token(wired, query["conversation_signature"][0], agent_id)


async def test_legacy_alias_is_served_but_not_documented(
    client: httpx.AsyncClient, wired: bytes
) -> None:
    agent_id = await create_agent(client)
    response = await client.get(
        "/v1/convai/conversation/get_signed_url", params={"agent_id": agent_id}
    )
    assert response.status_code == 200, response.text
    assert response.json()["signed_url"].startswith("ws://testserver/v1/convai/conversation?")
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert SIGNED_URL in paths and TOKEN in paths
    assert "/v1/convai/conversation/get_signed_url" not in paths


async def test_token_verifies_for_its_agent_only(client: httpx.AsyncClient, wired: bytes) -> None:
    agent_id = await create_agent(client)
    response = await client.get(TOKEN, params={"agent_id": agent_id, "participant_name": "x"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conversation_id"] is None
    assert verify_conversation_token(wired, agent_id, token=body["token"]) == "signed_url"
    with pytest.raises(Unauthorized) as caught:
        verify_conversation_token(wired, "agent_other", token=body["token"])
    assert caught.value.code == "invalid_conversation_signature"


async def test_other_workspaces_agent_is_404(
    app: FastAPI, app_state: AppState, client: httpx.AsyncClient, wired: bytes
) -> None:
    agent_id = await create_agent(client)
    async with app_state.database.session() as session:
        _row, other_key = await api_keys.create_key(session, "t", new_workspace_name="Team B")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers={"xi-api-key": other_key},
    ) as other:
        for url in (SIGNED_URL, TOKEN):
            foreign = await other.get(url, params={"agent_id": agent_id})
            assert foreign.status_code == 404, url
            assert foreign.json()["detail"]["status"] == "agent_not_found"
            for unknown in ("agent_doesnotexist", "agent_\x00"):
                missing = await client.get(url, params={"agent_id": unknown})
                assert missing.status_code == 404, (url, unknown)


async def test_api_key_and_agent_id_are_required(app: FastAPI, wired: bytes) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as anonymous:
        for url in (SIGNED_URL, TOKEN):
            assert (await anonymous.get(url, params={"agent_id": "a"})).status_code == 401
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers={"xi-api-key": "sk_" + "a1" * 24},
    ) as authed:
        assert (await authed.get(SIGNED_URL)).status_code == 422


def test_verify_conversation_token_cases() -> None:
    key = b"q" * 32
    assert verify_conversation_token(key, "agent_1") == "public"
    with pytest.raises(Unauthorized) as caught:
        verify_conversation_token(key, "agent_1", auth_required=True)
    assert caught.value.code == "authorization_required"
    with pytest.raises(Unauthorized) as caught:
        verify_conversation_token(key, "agent_1", conversation_signature="garbage")
    assert caught.value.code == "invalid_conversation_signature"
    old = issue_token(key, "agent_1", ttl_secs=10, now=1000.0)
    with pytest.raises(Unauthorized) as caught:
        verify_conversation_token(key, "agent_1", token=old, now=2000.0)
    assert caught.value.code == "conversation_signature_expired"
    good = issue_token(key, "agent_1", now=1000.0)
    with pytest.raises(Unauthorized):
        # Both parameters present: each must verify.
        verify_conversation_token(
            key, "agent_1", conversation_signature=good, token="bad", now=1000.0
        )
    assert (
        verify_conversation_token(key, "agent_1", conversation_signature=good, now=1000.0)
        == "signed_url"
    )
