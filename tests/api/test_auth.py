"""API keys and workspaces: 401 without a valid key, 404 across workspaces, hashes at rest."""

import hashlib

import httpx
from fastapi import FastAPI
from sqlalchemy import select, text

from openconvai.services import api_keys
from openconvai.state import AppState
from openconvai.store.models import ApiKey
from tests.conftest import ADMIN_KEY


async def new_key(state: AppState, *, new_workspace: str | None = None) -> str:
    async with state.database.session() as session:
        _row, key = await api_keys.create_key(session, "test", new_workspace_name=new_workspace)
    return key


def client_with(app: FastAPI, key: str | None) -> httpx.AsyncClient:
    headers = {"xi-api-key": key} if key is not None else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=headers
    )


async def test_missing_or_wrong_key_is_401(app: FastAPI) -> None:
    for key in (None, "", "sk_wrong"):
        async with client_with(app, key) as http:
            response = await http.get("/v1/convai/agents")
        assert response.status_code == 401
        assert response.json()["detail"]["status"] in {"missing_api_key", "invalid_api_key"}


async def test_other_workspace_sees_404(app: FastAPI, app_state: AppState) -> None:
    other = await new_key(app_state, new_workspace="Team B")
    async with client_with(app, ADMIN_KEY) as a, client_with(app, other) as b:
        agent_id = (
            await a.post("/v1/convai/agents/create", json={"conversation_config": {}})
        ).json()["agent_id"]
        for method, url in [
            ("GET", f"/v1/convai/agents/{agent_id}"),
            ("PATCH", f"/v1/convai/agents/{agent_id}"),
            ("DELETE", f"/v1/convai/agents/{agent_id}"),
            ("POST", f"/v1/convai/agents/{agent_id}/duplicate"),
            ("GET", f"/v1/convai/agents/{agent_id}/link"),
            ("GET", f"/v1/convai/agent/{agent_id}/knowledge-base/size"),
        ]:
            body = {} if method in {"PATCH", "POST"} else None
            foreign = await b.request(method, url, json=body)
            missing = await b.request(
                method, url.replace(agent_id, "agent_doesnotexist"), json=body
            )
            assert foreign.status_code == 404, (method, url)
            assert foreign.text == missing.text.replace("agent_doesnotexist", agent_id)
        assert (await b.get("/v1/convai/agents")).json()["agents"] == []
        assert (await a.get(f"/v1/convai/agents/{agent_id}")).status_code == 200


async def test_second_key_of_same_workspace_sees_its_agents(
    app: FastAPI, app_state: AppState
) -> None:
    same = await new_key(app_state)
    async with client_with(app, ADMIN_KEY) as a, client_with(app, same) as b:
        agent_id = (
            await a.post("/v1/convai/agents/create", json={"conversation_config": {}})
        ).json()["agent_id"]
        assert (await b.get(f"/v1/convai/agents/{agent_id}")).status_code == 200


async def test_keys_are_stored_hashed_and_revocable(app: FastAPI, app_state: AppState) -> None:
    key = await new_key(app_state)
    async with app_state.database.session() as session:
        rows = (await session.scalars(select(ApiKey))).all()
        dump = " ".join(
            str(value)
            for row in (await session.execute(text("SELECT * FROM api_keys"))).all()
            for value in row
        )
    assert {row.key_hash for row in rows} == {
        hashlib.sha256(k.encode()).hexdigest() for k in (ADMIN_KEY, key)
    }
    assert ADMIN_KEY not in dump and key not in dump
    key_id = next(
        row.id for row in rows if row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    )
    async with client_with(app, key) as http:
        assert (await http.get("/v1/convai/agents")).status_code == 200
        async with app_state.database.session() as session:
            await api_keys.revoke_key(session, key_id)
        assert (await http.get("/v1/convai/agents")).status_code == 401


async def test_unknown_route_uses_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/convai/nothing-here")
    assert response.status_code == 404
    assert response.json()["detail"]["status"] == "not_found"
