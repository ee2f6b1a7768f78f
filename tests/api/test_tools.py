"""Workspace tools: CRUD, listing, agents naming them by id, and refusals (both stores)."""

from typing import Any

import httpx
from fastapi import FastAPI

from openconvai.schemas.tool_config import ClientToolConfig, WebhookToolConfig
from openconvai.services import api_keys
from openconvai.services.agent_tools import tools_for_agent
from openconvai.state import AppState
from tests.api.test_auth import client_with, new_key
from tests.conftest import ADMIN_KEY


def webhook(name: str = "get_weather", **api_schema: Any) -> dict[str, Any]:
    return {
        "type": "webhook",
        "name": name,
        "description": "Weather for a city",
        "api_schema": {"url": "https://api.example/weather", **api_schema},
    }


def client_tool(name: str) -> dict[str, Any]:
    return {"type": "client", "name": name, "description": "Runs in the browser"}


async def make_tool(http: httpx.AsyncClient, config: dict[str, Any]) -> str:
    response = await http.post("/v1/convai/tools", json={"tool_config": config})
    assert response.status_code == 200, response.text
    tool_id: str = response.json()["id"]
    return tool_id


async def make_agent(http: httpx.AsyncClient, tool_ids: list[str], name: str = "Caller") -> str:
    config = {"agent": {"prompt": {"tool_ids": tool_ids}}}
    response = await http.post(
        "/v1/convai/agents/create", json={"conversation_config": config, "name": name}
    )
    assert response.status_code == 200, response.text
    agent_id: str = response.json()["agent_id"]
    return agent_id


async def test_create_get_update_delete(client: httpx.AsyncClient) -> None:
    created = await client.post("/v1/convai/tools", json={"tool_config": webhook()})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["id"].startswith("tool_")
    assert body["tool_config"]["api_schema"]["method"] == "GET"
    assert body["tool_config"]["response_timeout_secs"] == 20
    assert body["access_info"]["role"] == "admin"
    assert body["usage_stats"] == {"total_calls": 0, "avg_latency_secs": 0.0}
    tool_id = body["id"]
    assert (await client.get(f"/v1/convai/tools/{tool_id}")).json() == body
    replaced = await client.patch(
        f"/v1/convai/tools/{tool_id}", json={"tool_config": client_tool("show_map")}
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["tool_config"]["type"] == "client"
    assert replaced.json()["tool_config"]["name"] == "show_map"
    fetched = (await client.get(f"/v1/convai/tools/{tool_id}")).json()
    assert fetched["tool_config"]["expects_response"] is False
    deleted = await client.delete(f"/v1/convai/tools/{tool_id}")
    assert deleted.status_code == 200 and deleted.json() == {}
    for method in ("GET", "DELETE"):
        gone = await client.request(method, f"/v1/convai/tools/{tool_id}")
        assert gone.status_code == 404
        assert gone.json()["detail"]["status"] == "tool_not_found"


async def test_response_mocks_round_trip(client: httpx.AsyncClient) -> None:
    mocks = [{"mock_result": "sunny", "parameter_conditions": [], "is_error": False}]
    created = await client.post(
        "/v1/convai/tools", json={"tool_config": webhook(), "response_mocks": mocks}
    )
    assert created.status_code == 200, created.text
    tool_id = created.json()["id"]
    assert (await client.get(f"/v1/convai/tools/{tool_id}")).json()["response_mocks"] == mocks
    replaced = await client.patch(f"/v1/convai/tools/{tool_id}", json={"tool_config": webhook()})
    assert replaced.json()["response_mocks"] is None
    bad = await client.post(
        "/v1/convai/tools", json={"tool_config": webhook(), "response_mocks": [{}]}
    )
    assert bad.status_code == 422


async def test_listing_pages_searches_and_filters(client: httpx.AsyncClient) -> None:
    ids = {
        name: await make_tool(client, config)
        for name, config in [
            ("book_a", webhook("book_a")),
            ("Book_b", client_tool("Book_b")),
            ("cancel", webhook("cancel")),
            ("book_c", client_tool("book_c")),
        ]
    }
    everything = (await client.get("/v1/convai/tools")).json()
    assert {t["id"] for t in everything["tools"]} == set(ids.values())
    assert everything["has_more"] is False and everything["next_cursor"] is None
    names: list[str] = []
    cursors: list[str] = []
    cursor = ""
    for _ in range(3):
        page = (
            await client.get(
                "/v1/convai/tools",
                params={
                    "page_size": 2,
                    "sort_by": "name",
                    "sort_direction": "asc",
                    "cursor": cursor,
                },
            )
        ).json()
        names += [t["tool_config"]["name"] for t in page["tools"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
        cursors.append(cursor)
    assert names == ["Book_b", "book_a", "book_c", "cancel"]
    found = (await client.get("/v1/convai/tools", params={"search": "BOOK"})).json()["tools"]
    assert sorted(t["tool_config"]["name"] for t in found) == ["Book_b", "book_a", "book_c"]
    clients = (await client.get("/v1/convai/tools?types=client")).json()["tools"]
    assert sorted(t["tool_config"]["name"] for t in clients) == ["Book_b", "book_c"]
    both = (await client.get("/v1/convai/tools?types=client&types=webhook")).json()["tools"]
    assert len(both) == 4
    none = (await client.get("/v1/convai/tools?types=api_integration_webhook")).json()
    assert none["tools"] == []
    agent_id = await make_agent(client, [ids["cancel"], ids["book_a"]])
    used = (await client.get("/v1/convai/tools", params={"used_by_agent_id": agent_id})).json()
    assert {t["id"] for t in used["tools"]} == {ids["cancel"], ids["book_a"]}
    # A cursor of the listing by name does not fit the one by creation time.
    wrong_kind = await client.get("/v1/convai/tools", params={"cursor": cursors[0]})
    assert wrong_kind.status_code == 400
    bad_cursor = await client.get("/v1/convai/tools", params={"cursor": "not-a-cursor"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["detail"]["status"] == "invalid_cursor"


async def test_agents_name_tools_by_id(client: httpx.AsyncClient) -> None:
    tool_id = await make_tool(client, webhook())
    unknown = await client.post(
        "/v1/convai/agents/create",
        json={"conversation_config": {"agent": {"prompt": {"tool_ids": [tool_id, "tool_nope"]}}}},
    )
    assert unknown.status_code == 400
    assert unknown.json()["detail"]["status"] == "tool_not_found"
    assert "tool_nope" in unknown.json()["detail"]["message"]
    assert tool_id not in unknown.json()["detail"]["message"]
    first = await make_agent(client, [tool_id, tool_id], name="First")
    second = await make_agent(client, [], name="Second")
    patched = await client.patch(
        f"/v1/convai/agents/{second}",
        json={"conversation_config": {"agent": {"prompt": {"tool_ids": ["tool_gone"]}}}},
    )
    assert patched.status_code == 400
    assert patched.json()["detail"]["status"] == "tool_not_found"
    patched = await client.patch(
        f"/v1/convai/agents/{second}",
        json={"conversation_config": {"agent": {"prompt": {"tool_ids": [tool_id]}}}},
    )
    assert patched.status_code == 200, patched.text
    dependents = (await client.get(f"/v1/convai/tools/{tool_id}/dependent-agents")).json()
    assert {a["id"] for a in dependents["agents"]} == {first, second}
    assert all(a["type"] == "available" for a in dependents["agents"])
    paged = (
        await client.get(f"/v1/convai/tools/{tool_id}/dependent-agents", params={"page_size": 1})
    ).json()
    assert paged["has_more"] is True
    rest = (
        await client.get(
            f"/v1/convai/tools/{tool_id}/dependent-agents",
            params={"page_size": 1, "cursor": paged["next_cursor"]},
        )
    ).json()
    assert rest["has_more"] is False
    assert {a["id"] for a in paged["agents"] + rest["agents"]} == {first, second}

    refused = await client.delete(f"/v1/convai/tools/{tool_id}")
    assert refused.status_code == 409
    assert refused.json()["detail"]["status"] == "tool_in_use"
    assert "'First'" in refused.json()["detail"]["message"]
    assert "'Second'" in refused.json()["detail"]["message"]
    await client.patch(
        f"/v1/convai/agents/{second}",
        json={"conversation_config": {"agent": {"prompt": {"tool_ids": []}}}},
    )
    dependents = (await client.get(f"/v1/convai/tools/{tool_id}/dependent-agents")).json()
    assert [a["id"] for a in dependents["agents"]] == [first]
    forced = await client.delete(f"/v1/convai/tools/{tool_id}", params={"force": "true"})
    assert forced.status_code == 200, forced.text
    agent = (await client.get(f"/v1/convai/agents/{first}")).json()
    assert agent["conversation_config"]["agent"]["prompt"]["tool_ids"] == []
    renamed = await client.patch(f"/v1/convai/agents/{first}", json={"name": "Still fine"})
    assert renamed.status_code == 200


async def test_deleting_an_agent_frees_its_tools(client: httpx.AsyncClient) -> None:
    tool_id = await make_tool(client, webhook())
    agent_id = await make_agent(client, [tool_id])
    twin = (await client.post(f"/v1/convai/agents/{agent_id}/duplicate", json={})).json()
    dependents = (await client.get(f"/v1/convai/tools/{tool_id}/dependent-agents")).json()
    assert {a["id"] for a in dependents["agents"]} == {agent_id, twin["agent_id"]}
    for agent in (agent_id, twin["agent_id"]):
        assert (await client.delete(f"/v1/convai/agents/{agent}")).status_code == 204
    assert (await client.delete(f"/v1/convai/tools/{tool_id}")).status_code == 200


async def test_inline_tools_still_work(client: httpx.AsyncClient) -> None:
    config = {"agent": {"prompt": {"tools": [client_tool("inline_one")]}}}
    response = await client.post("/v1/convai/agents/create", json={"conversation_config": config})
    assert response.status_code == 200, response.text
    agent = (await client.get(f"/v1/convai/agents/{response.json()['agent_id']}")).json()
    assert agent["conversation_config"]["agent"]["prompt"]["tools"][0]["name"] == "inline_one"


async def test_other_workspace_sees_404(app: FastAPI, app_state: AppState) -> None:
    other = await new_key(app_state, new_workspace="Team B")
    async with client_with(app, ADMIN_KEY) as a, client_with(app, other) as b:
        tool_id = await make_tool(a, webhook())
        agent_id = await make_agent(a, [tool_id])
        for method, url in [
            ("GET", f"/v1/convai/tools/{tool_id}"),
            ("PATCH", f"/v1/convai/tools/{tool_id}"),
            ("DELETE", f"/v1/convai/tools/{tool_id}"),
            ("GET", f"/v1/convai/tools/{tool_id}/dependent-agents"),
        ]:
            body = {"tool_config": webhook()} if method == "PATCH" else None
            foreign = await b.request(method, url, json=body)
            missing = await b.request(method, url.replace(tool_id, "tool_doesnotexist"), json=body)
            assert foreign.status_code == 404, (method, url)
            assert foreign.text == missing.text.replace("tool_doesnotexist", tool_id)
        assert (await b.get("/v1/convai/tools")).json()["tools"] == []
        used = await b.get("/v1/convai/tools", params={"used_by_agent_id": agent_id})
        assert used.json()["tools"] == []
        borrowed = await b.post(
            "/v1/convai/agents/create",
            json={"conversation_config": {"agent": {"prompt": {"tool_ids": [tool_id]}}}},
        )
        assert borrowed.status_code == 400
        assert borrowed.json()["detail"]["status"] == "tool_not_found"
        assert (await a.get(f"/v1/convai/tools/{tool_id}")).status_code == 200


async def test_tools_refer_to_secrets(client: httpx.AsyncClient) -> None:
    headers = {"Authorization": {"secret_id": "secret_missing"}}
    refused = await client.post(
        "/v1/convai/tools", json={"tool_config": webhook(request_headers=headers)}
    )
    assert refused.status_code == 400
    assert refused.json()["detail"]["status"] == "secret_not_found"
    secret = await client.post(
        "/v1/convai/secrets", json={"type": "new", "name": "weather", "value": "k-1"}
    )
    secret_id = secret.json()["secret_id"]
    headers = {"Authorization": {"secret_id": secret_id}}
    tool_id = await make_tool(client, webhook(request_headers=headers))
    stored = (await client.get(f"/v1/convai/secrets/{secret_id}")).json()
    assert [t["id"] for t in stored["used_by"]["tools"]] == [tool_id]
    in_use = await client.delete(f"/v1/convai/secrets/{secret_id}")
    assert in_use.status_code == 409
    assert "get_weather" in in_use.json()["detail"]["message"]
    await client.patch(f"/v1/convai/tools/{tool_id}", json={"tool_config": webhook()})
    assert (await client.delete(f"/v1/convai/secrets/{secret_id}")).status_code == 204


async def test_bad_input_is_4xx(client: httpx.AsyncClient) -> None:
    bad_bodies: list[Any] = [
        {},
        {"tool_config": None},
        {"tool_config": {"type": "nope", "name": "x"}},
        {"tool_config": {**webhook(), "name": "has spaces"}},
        {"tool_config": {**webhook(), "name": "x" * 65}},
        {"tool_config": {**webhook(), "response_timeout_secs": 1}},
        {"tool_config": {k: v for k, v in webhook().items() if k != "api_schema"}},
        {"tool_config": {"type": "system", "name": "end", "params": {"system_tool_type": "?"}}},
        [],
    ]
    tool_id = await make_tool(client, webhook())
    for body in bad_bodies:
        assert (await client.post("/v1/convai/tools", json=body)).status_code == 422, body
        patched = await client.patch(f"/v1/convai/tools/{tool_id}", json=body)
        assert patched.status_code == 422, body
    for query in (
        "page_size=0",
        "page_size=101",
        "types=bogus",
        "sort_by=updated_at",
        "sort_direction=up",
        "page_size=2&page_size=3",
    ):
        assert (await client.get(f"/v1/convai/tools?{query}")).status_code == 422, query
    dependents = await client.get(f"/v1/convai/tools/{tool_id}/dependent-agents?page_size=0")
    assert dependents.status_code == 422
    for url in (
        "/v1/convai/tools/t%00",
        "/v1/convai/tools?search=%00",
        "/v1/convai/tools/t%00/dependent-agents",
    ):
        assert (await client.get(url)).status_code < 500, url
    nul = await client.post(
        "/v1/convai/tools", json={"tool_config": {**webhook(), "description": "a\u0000b"}}
    )
    assert nul.status_code in (200, 400)


async def test_tools_for_agent_loads_configs_in_order(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    first = await make_tool(client, webhook("first"))
    second = await make_tool(client, client_tool("second"))
    async with app_state.database.session() as session:
        configs = await tools_for_agent(session, "no-such-workspace", [second, first])
        assert configs == []
        workspace_id = await _workspace_of_admin(app_state)
        configs = await tools_for_agent(
            session, workspace_id, [second, "tool_missing", first, second]
        )
    assert [type(c) for c in configs] == [ClientToolConfig, WebhookToolConfig]
    assert [c.name for c in configs] == ["second", "first"]


async def _workspace_of_admin(state: AppState) -> str:
    async with state.database.session() as session:
        return await api_keys.authenticate(session, ADMIN_KEY)
