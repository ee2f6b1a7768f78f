"""MCP servers: CRUD, URL and secret checks, approvals, agents naming them, live tool listing."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from openconvai.settings import Settings
from openconvai.state import AppState
from openconvai.tools.mcp_config import tool_hash
from tests.api.test_auth import client_with, new_key
from tests.conftest import ADMIN_KEY
from tests.support.mcp_server import McpProcess, free_port, mcp_server

SERVERS = "/v1/convai/mcp-servers"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Loopback MCP servers (the test's own) may be reached."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        admin_api_key=ADMIN_KEY,
        local_models=False,
        outbound_allowed_networks=["127.0.0.0/8"],
    )


@pytest.fixture(scope="module")
def live() -> Iterator[McpProcess]:
    with mcp_server("streamable-http") as server:
        yield server


def config(url: str | dict[str, str], **fields: Any) -> dict[str, Any]:
    return {"url": url, "name": "Demo tools", "transport": "STREAMABLE_HTTP", **fields}


async def make_server(
    http: httpx.AsyncClient, url: str | dict[str, str], **fields: Any
) -> dict[str, Any]:
    response = await http.post(SERVERS, json={"config": config(url, **fields)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def make_agent(http: httpx.AsyncClient, server_ids: list[str], name: str = "Helper") -> str:
    body = {"conversation_config": {"agent": {"prompt": {"mcp_server_ids": server_ids}}}}
    response = await http.post("/v1/convai/agents/create", json={**body, "name": name})
    assert response.status_code == 200, response.text
    agent_id: str = response.json()["agent_id"]
    return agent_id


def status_of(response: httpx.Response) -> str:
    detail: str = response.json()["detail"]["status"]
    return detail


async def test_create_get_list_update_delete(client: httpx.AsyncClient) -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"
    created = await make_server(client, url, request_headers={"X-Team": "a", "X-Old": "b"})
    assert created["id"].startswith("mcp_")
    stored = created["config"]
    assert stored["approval_policy"] == "require_approval_all"
    assert stored["tool_approval_hashes"] == [] and stored["description"] == ""
    assert stored["url"] == url and stored["transport"] == "STREAMABLE_HTTP"
    assert created["dependent_agents"] == [] and created["access_info"]["role"] == "admin"
    assert isinstance(created["metadata"]["created_at"], int)
    server_id = created["id"]
    assert (await client.get(f"{SERVERS}/{server_id}")).json() == created
    other = await make_server(client, url, name="Second")
    listed = (await client.get(SERVERS)).json()["mcp_servers"]
    assert [s["id"] for s in listed] == [other["id"], server_id]

    patched = await client.patch(
        f"{SERVERS}/{server_id}",
        json={
            "approval_policy": "auto_approve_all",
            "request_headers": {"X-Old": None, "X-New": "c"},
            "response_timeout_secs": 30,
            "name": "Renamed",
        },
    )
    assert patched.status_code == 200, patched.text
    changed = patched.json()["config"]
    assert changed["approval_policy"] == "auto_approve_all"
    assert changed["request_headers"] == {"X-Team": "a", "X-New": "c"}
    assert changed["response_timeout_secs"] == 30 and changed["name"] == "Renamed"
    assert (await client.get(f"{SERVERS}/{server_id}")).json()["config"] == changed
    reset = await client.patch(f"{SERVERS}/{server_id}", json={"approval_policy": None})
    assert reset.json()["config"]["approval_policy"] == "require_approval_all"
    kept = await client.patch(f"{SERVERS}/{server_id}", json={"name": None, "url": None})
    assert kept.status_code == 200 and kept.json()["config"]["name"] == "Renamed"
    too_long = await client.patch(f"{SERVERS}/{server_id}", json={"response_timeout_secs": 301})
    assert too_long.status_code == 422

    deleted = await client.delete(f"{SERVERS}/{server_id}")
    assert deleted.status_code == 200 and deleted.json() == {}
    for method in ("GET", "DELETE", "PATCH"):
        gone = await client.request(method, f"{SERVERS}/{server_id}", json={})
        assert gone.status_code == 404 and status_of(gone) == "mcp_server_not_found"


async def test_contract_defaults_and_validation(client: httpx.AsyncClient) -> None:
    minimal = await client.post(
        SERVERS, json={"config": {"url": "https://93.184.215.14/mcp", "name": "Public"}}
    )
    assert minimal.status_code == 200, minimal.text
    assert minimal.json()["config"]["transport"] == "SSE"
    for bad in [
        {},
        {"config": {"name": "x"}},
        {"config": config("https://1.1.1.1", transport="WS")},
    ]:
        assert (await client.post(SERVERS, json=bad)).status_code == 422


async def test_urls_are_checked_by_the_outbound_guard(client: httpx.AsyncClient) -> None:
    refused = {
        "http://10.1.2.3/mcp": "mcp_server_url_refused",
        "http://169.254.169.254/latest": "mcp_server_url_refused",
        "ftp://example.com/mcp": "mcp_server_url_refused",
        "not a url": "mcp_server_url_refused",
        "https://mcp.example.invalid/mcp": "mcp_server_url_unresolvable",
    }
    for url, code in refused.items():
        response = await client.post(SERVERS, json={"config": config(url)})
        assert response.status_code == 400, (url, response.text)
        assert status_of(response) == code
        assert "MCP server URL" in response.json()["detail"]["message"]
    server = await make_server(client, "http://127.0.0.1:9/mcp")
    moved = await client.patch(f"{SERVERS}/{server['id']}", json={"url": "http://10.0.0.1/"})
    assert moved.status_code == 400 and "private" in moved.json()["detail"]["message"]
    kept = (await client.get(f"{SERVERS}/{server['id']}")).json()["config"]["url"]
    assert kept == "http://127.0.0.1:9/mcp"


async def test_secrets_must_exist_and_count_as_used(client: httpx.AsyncClient) -> None:
    missing = await client.post(
        SERVERS, json={"config": config("http://127.0.0.1:9/", secret_token={"secret_id": "nope"})}
    )
    assert missing.status_code == 400 and status_of(missing) == "secret_not_found"
    in_place = {"id": "s", "name": "t", "encrypted_value": "x", "nonce": "n"}
    refused = await client.post(
        SERVERS, json={"config": config("http://127.0.0.1:9/", secret_token=in_place)}
    )
    assert refused.status_code == 400 and status_of(refused) == "in_place_secret_not_supported"

    token = (
        await client.post(
            "/v1/convai/secrets", json={"type": "new", "name": "mcp-token", "value": "Bearer t"}
        )
    ).json()["secret_id"]
    server = await make_server(
        client,
        "http://127.0.0.1:9/",
        secret_token={"secret_id": token},
        request_headers={"X-Key": {"secret_id": token}},
    )
    assert server["config"]["secret_token"] == {"secret_id": token}
    used_by = (await client.get(f"/v1/convai/secrets/{token}")).json()["used_by"]
    assert [s["id"] for s in used_by["mcp_servers"]] == [server["id"]]
    assert used_by["mcp_servers"][0]["name"] == "Demo tools"
    in_use = await client.delete(f"/v1/convai/secrets/{token}")
    assert in_use.status_code == 409 and "MCP server 'Demo tools'" in in_use.text

    private = (
        await client.post(
            "/v1/convai/secrets",
            json={"type": "new", "name": "mcp-url", "value": "http://10.9.8.7/mcp?key=k"},
        )
    ).json()["secret_id"]
    hidden = await client.post(SERVERS, json={"config": config({"secret_id": private})})
    assert hidden.status_code == 400 and status_of(hidden) == "mcp_server_url_refused"
    assert "key=k" not in hidden.text and private in hidden.text
    public = (
        await client.post(
            "/v1/convai/secrets",
            json={"type": "new", "name": "mcp-url-2", "value": "http://127.0.0.1:9/mcp?key=k"},
        )
    ).json()["secret_id"]
    from_secret = await make_server(client, {"secret_id": public})
    assert from_secret["config"]["url"] == {"secret_id": public}


async def test_agents_name_servers_and_keep_them(client: httpx.AsyncClient) -> None:
    server = await make_server(client, "http://127.0.0.1:9/mcp")
    unknown = await client.post(
        "/v1/convai/agents/create",
        json={"conversation_config": {"agent": {"prompt": {"mcp_server_ids": ["mcp_nope"]}}}},
    )
    assert unknown.status_code == 400 and status_of(unknown) == "mcp_server_not_found"
    assert "mcp_nope" in unknown.json()["detail"]["message"]
    agent_id = await make_agent(client, [server["id"]], name="Booker")
    fetched = (await client.get(f"{SERVERS}/{server['id']}")).json()
    assert [a["id"] for a in fetched["dependent_agents"]] == [agent_id]
    assert fetched["dependent_agents"][0]["name"] == "Booker"
    listed = (await client.get(SERVERS)).json()["mcp_servers"][0]
    assert [a["id"] for a in listed["dependent_agents"]] == [agent_id]

    in_use = await client.delete(f"{SERVERS}/{server['id']}")
    assert in_use.status_code == 409 and status_of(in_use) == "mcp_server_in_use"
    assert "Booker" in in_use.json()["detail"]["message"] and agent_id in in_use.text

    bad_patch = await client.patch(
        f"/v1/convai/agents/{agent_id}",
        json={"conversation_config": {"agent": {"prompt": {"mcp_server_ids": ["mcp_x"]}}}},
    )
    assert bad_patch.status_code == 400 and status_of(bad_patch) == "mcp_server_not_found"
    copied = await client.post(f"/v1/convai/agents/{agent_id}/duplicate", json={})
    assert copied.status_code == 200, copied.text
    users = (await client.get(f"{SERVERS}/{server['id']}")).json()["dependent_agents"]
    assert len(users) == 2
    for agent in (agent_id, copied.json()["agent_id"]):
        cleared = await client.patch(
            f"/v1/convai/agents/{agent}",
            json={"conversation_config": {"agent": {"prompt": {"mcp_server_ids": []}}}},
        )
        assert cleared.status_code == 200, cleared.text
    assert (await client.delete(f"{SERVERS}/{server['id']}")).status_code == 200


async def test_other_workspaces_see_404(
    client: httpx.AsyncClient, app: FastAPI, app_state: AppState
) -> None:
    server = await make_server(client, "http://127.0.0.1:9/mcp")
    path = f"{SERVERS}/{server['id']}"
    key = await new_key(app_state, new_workspace="other")
    async with client_with(app, key) as other:
        assert (await other.get(SERVERS)).json() == {"mcp_servers": []}
        for method, url in [
            ("GET", path),
            ("PATCH", path),
            ("DELETE", path),
            ("GET", path + "/tools"),
            ("PATCH", path + "/approval-policy"),
            ("DELETE", path + "/tool-approvals/add"),
        ]:
            body = {"approval_policy": "auto_approve_all"} if method == "PATCH" else None
            response = await other.request(method, url, json=body)
            assert response.status_code == 404, (method, url, response.text)
        approve = await other.post(
            path + "/tool-approvals", json={"tool_name": "add", "tool_description": "d"}
        )
        assert approve.status_code == 404
        unknown = await other.post(
            "/v1/convai/agents/create",
            json={"conversation_config": {"agent": {"prompt": {"mcp_server_ids": [server["id"]]}}}},
        )
        assert unknown.status_code == 400 and status_of(unknown) == "mcp_server_not_found"


async def test_approval_policy_and_tool_approvals(client: httpx.AsyncClient) -> None:
    server = await make_server(client, "http://127.0.0.1:9/mcp")
    path = f"{SERVERS}/{server['id']}"
    policy = await client.patch(
        path + "/approval-policy", json={"approval_policy": "require_approval_per_tool"}
    )
    assert policy.status_code == 200
    assert policy.json()["config"]["approval_policy"] == "require_approval_per_tool"
    assert (await client.patch(path + "/approval-policy", json={})).status_code == 422

    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    first = await client.post(
        path + "/tool-approvals",
        json={"tool_name": "add", "tool_description": "Adds", "input_schema": schema},
    )
    assert first.status_code == 200, first.text
    assert first.json()["config"]["tool_approval_hashes"] == [
        {
            "tool_name": "add",
            "tool_hash": tool_hash("Adds", schema),
            "approval_policy": "requires_approval",
        }
    ]
    again = await client.post(
        path + "/tool-approvals",
        json={"tool_name": "add", "tool_description": "Adds", "approval_policy": "auto_approved"},
    )
    (entry,) = again.json()["config"]["tool_approval_hashes"]
    assert entry["approval_policy"] == "auto_approved" and entry["tool_hash"] == tool_hash(
        "Adds", {}
    )
    assert (await client.post(path + "/tool-approvals", json={"tool_name": "x"})).status_code == 422
    removed = await client.delete(path + "/tool-approvals/add")
    assert removed.status_code == 200 and removed.json()["config"]["tool_approval_hashes"] == []
    missing = await client.delete(path + "/tool-approvals/add")
    assert missing.status_code == 404 and status_of(missing) == "tool_approval_not_found"


async def test_listing_the_live_servers_tools(client: httpx.AsyncClient, live: McpProcess) -> None:
    server = await make_server(client, live.url)
    path = f"{SERVERS}/{server['id']}"
    listing = (await client.get(path + "/tools", params={"environment": "production"})).json()
    assert listing["success"] is True and listing["error_message"] is None
    tools = {tool["name"]: tool for tool in listing["tools"]}
    assert set(tools) == {"add", "whoami", "fail", "wait"}
    assert tools["add"]["description"] == "Add two numbers."
    assert tools["add"]["inputSchema"]["required"] == ["a", "b"]
    assert listing["tool_approval_statuses"] == []

    await client.patch(path, json={"approval_policy": "require_approval_per_tool"})
    add = tools["add"]
    await client.post(
        path + "/tool-approvals",
        json={
            "tool_name": "add",
            "tool_description": add["description"],
            "input_schema": add["inputSchema"],
            "approval_policy": "auto_approved",
        },
    )
    await client.post(
        path + "/tool-approvals",
        json={"tool_name": "whoami", "tool_description": "An older description"},
    )
    statuses = {
        status["tool_id"]: status
        for status in (await client.get(path + "/tools")).json()["tool_approval_statuses"]
    }
    prefix = f"mcp:{server['id']}:"
    assert statuses[prefix + "add"]["state"] == "up_to_date"
    assert statuses[prefix + "add"]["approval_policy"] == "auto_approved"
    assert statuses[prefix + "add"]["approved_definition"] is None
    review = statuses[prefix + "whoami"]
    assert review["state"] == "needs_review" and review["approval_policy"] == "requires_approval"
    assert review["approved_definition"] == {
        "description": "An older description",
        "input_schema": {},
    }
    assert statuses[prefix + "fail"]["state"] == "not_approved"
    assert statuses[prefix + "fail"]["approval_policy"] is None


async def test_listing_a_server_that_is_down(client: httpx.AsyncClient) -> None:
    server = await make_server(client, f"http://127.0.0.1:{free_port()}/mcp")
    listing = (await client.get(f"{SERVERS}/{server['id']}/tools")).json()
    assert listing["success"] is False and listing["tools"] == []
    assert "could not be listed" in listing["error_message"]
