"""Workspace secrets (encrypted, never returned, protected while used) and settings."""

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from openconvai.state import AppState
from tests.api.test_auth import client_with, new_key
from tests.conftest import ADMIN_KEY

VALUE = "super-secret-value-0451"


async def make_secret(client: httpx.AsyncClient, name: str = "openai", value: str = VALUE) -> str:
    response = await client.post(
        "/v1/convai/secrets", json={"type": "new", "name": name, "value": value}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "stored" and body["name"] == name
    secret_id: str = body["secret_id"]
    return secret_id


async def test_secret_value_is_encrypted_at_rest_and_never_returned(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    secret_id = await make_secret(client)
    listing = await client.get("/v1/convai/secrets")
    assert VALUE not in listing.text
    assert [s["secret_id"] for s in listing.json()["secrets"]] == [secret_id]
    async with app_state.database.session() as session:
        rows = (await session.execute(text("SELECT * FROM secrets"))).all()
    stored = " ".join(str(value) for row in rows for value in row)
    assert VALUE not in stored
    (ciphertext,) = [row.ciphertext for row in rows]
    assert app_state.secret_box.decrypt(ciphertext) == VALUE
    patched = await client.patch(
        f"/v1/convai/secrets/{secret_id}",
        json={"type": "update", "name": "renamed", "value": "second-value-7781"},
    )
    assert patched.status_code == 200 and "second-value-7781" not in patched.text
    async with app_state.database.session() as session:
        (new_ciphertext,) = (
            await session.execute(text("SELECT ciphertext FROM secrets"))
        ).scalars()
    assert app_state.secret_box.decrypt(new_ciphertext) == "second-value-7781"


async def test_secret_in_use_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    secret_id = await make_secret(client)
    config = {
        "agent": {
            "prompt": {
                "llm": "custom-llm",
                "custom_llm": {"url": "http://llm.local/v1", "api_key": {"secret_id": secret_id}},
            }
        }
    }
    response = await client.post(
        "/v1/convai/agents/create", json={"conversation_config": config, "name": "Uses it"}
    )
    assert response.status_code == 200, response.text
    agent_id = response.json()["agent_id"]
    used_by = (await client.get("/v1/convai/secrets")).json()["secrets"][0]["used_by"]
    assert [a["id"] for a in used_by["agents"]] == [agent_id]
    refused = await client.delete(f"/v1/convai/secrets/{secret_id}")
    assert refused.status_code == 409
    assert refused.json()["detail"]["status"] == "secret_in_use"
    assert "Uses it" in refused.json()["detail"]["message"]
    await client.patch(
        f"/v1/convai/agents/{agent_id}",
        json={"conversation_config": {"agent": {"prompt": {"custom_llm": None}}}},
    )
    assert (await client.delete(f"/v1/convai/secrets/{secret_id}")).status_code == 204
    assert (await client.get("/v1/convai/secrets")).json()["secrets"] == []


async def test_unknown_secret_reference_is_refused(client: httpx.AsyncClient) -> None:
    config = {
        "agent": {
            "prompt": {"custom_llm": {"url": "http://x", "api_key": {"secret_id": "secret_nope"}}}
        }
    }
    response = await client.post("/v1/convai/agents/create", json={"conversation_config": config})
    assert response.status_code == 400
    assert response.json()["detail"]["status"] == "secret_not_found"


async def test_secret_names_paging_and_validation(client: httpx.AsyncClient) -> None:
    for name in ["b-key", "a-key", "c-other"]:
        await make_secret(client, name)
    taken = await client.post(
        "/v1/convai/secrets", json={"type": "new", "name": "a-key", "value": "x"}
    )
    assert taken.status_code == 409
    assert [
        s["name"] for s in (await client.get("/v1/convai/secrets?search=a-")).json()["secrets"]
    ] == ["a-key"]
    first = (await client.get("/v1/convai/secrets?page_size=2")).json()
    second = (
        await client.get(f"/v1/convai/secrets?page_size=2&cursor={first['next_cursor']}")
    ).json()
    assert [s["name"] for s in first["secrets"] + second["secrets"]] == [
        "a-key",
        "b-key",
        "c-other",
    ]
    assert second["next_cursor"] is None
    for bad in (
        {"type": "new", "name": "", "value": "x"},
        {"type": "new", "name": "n"},
        {"type": "old", "name": "n", "value": "v"},
    ):
        assert (await client.post("/v1/convai/secrets", json=bad)).status_code == 422
    assert (await client.delete("/v1/convai/secrets/secret_missing")).status_code == 404


async def test_settings_defaults_merge_and_secret_refs(client: httpx.AsyncClient) -> None:
    settings = (await client.get("/v1/convai/settings")).json()
    assert settings["rag_retention_period_days"] == 10
    assert settings["can_use_mcp_servers"] is False
    updated = (
        await client.patch("/v1/convai/settings", json={"rag_retention_period_days": 20})
    ).json()
    assert updated["rag_retention_period_days"] == 20
    assert (
        await client.patch("/v1/convai/settings", json={"rag_retention_period_days": 99})
    ).status_code == 422
    secret_id = await make_secret(client)
    webhook = {
        "conversation_initiation_client_data_webhook": {
            "url": "https://hooks.example/init",
            "request_headers": {"Authorization": {"secret_id": secret_id}},
        }
    }
    response = await client.patch("/v1/convai/settings", json=webhook)
    assert response.status_code == 200, response.text
    assert response.json()["rag_retention_period_days"] == 20
    assert (await client.get("/v1/convai/secrets")).json()["secrets"][0]["used_by"]["others"] == [
        "conversation_initiation_webhook"
    ]
    assert (await client.delete(f"/v1/convai/secrets/{secret_id}")).status_code == 409


async def test_dashboard_settings(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/convai/settings/dashboard")).json() == {"charts": []}
    charts = [
        {"name": "Success", "type": "call_success"},
        {"name": "Goal", "type": "criteria", "criteria_id": "c1"},
    ]
    body = (await client.patch("/v1/convai/settings/dashboard", json={"charts": charts})).json()
    assert [c["type"] for c in body["charts"]] == ["call_success", "criteria"]
    too_many = {"charts": [{"name": str(i), "type": "call_success"} for i in range(5)]}
    assert (await client.patch("/v1/convai/settings/dashboard", json=too_many)).status_code == 422
    assert (await client.get("/v1/convai/settings/dashboard")).json() == body


async def test_get_secret_returns_metadata_only(app: FastAPI, app_state: AppState) -> None:
    other = await new_key(app_state, new_workspace="Team B")
    async with client_with(app, ADMIN_KEY) as a, client_with(app, other) as b:
        secret_id = await make_secret(a)
        response = await a.get(f"/v1/convai/secrets/{secret_id}")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "type": "stored",
            "secret_id": secret_id,
            "name": "openai",
            "used_by": {
                "tools": [],
                "agents": [],
                "others": [],
                "phone_numbers": [],
                "mcp_servers": [],
            },
        }
        assert VALUE not in response.text
        foreign = await b.get(f"/v1/convai/secrets/{secret_id}")
        missing = await b.get("/v1/convai/secrets/secret_doesnotexist")
        assert foreign.status_code == 404
        assert foreign.text == missing.text.replace("secret_doesnotexist", secret_id)
