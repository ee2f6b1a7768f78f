"""Agents API over HTTP (in-process), on SQLite and PostgreSQL."""

from typing import Any

import httpx

from openconvai.schemas.conversation_config import ConversationalConfig

JsonDict = dict[str, Any]


async def create(client: httpx.AsyncClient, **body: Any) -> str:
    body.setdefault("conversation_config", {})
    response = await client.post("/v1/convai/agents/create", json=body)
    assert response.status_code == 200, response.text
    agent_id: str = response.json()["agent_id"]
    return agent_id


async def test_created_agent_comes_back_with_every_default(client: httpx.AsyncClient) -> None:
    agent_id = await create(client)
    assert agent_id.startswith("agent_")
    body = (await client.get(f"/v1/convai/agents/{agent_id}")).json()
    expected = ConversationalConfig.model_validate({}).model_dump(mode="json")
    assert body["conversation_config"] == expected
    assert body["conversation_config"]["tts"]["voice_id"] == "cjVigY5qzO86Huf0OWal"
    assert body["conversation_config"]["turn"]["turn_timeout"] == 7
    assert body["platform_settings"]["auth"]["enable_auth"] is False
    assert body["metadata"]["created_at_unix_secs"] > 1_700_000_000
    assert body["name"] and body["tags"] == []


async def test_patch_deep_merges(client: httpx.AsyncClient) -> None:
    agent_id = await create(
        client,
        name="Support",
        tags=["a"],
        conversation_config={
            "agent": {"first_message": "Hi", "prompt": {"prompt": "Be kind.", "temperature": 0.3}},
            "tts": {"stability": 0.2},
        },
    )
    before = (await client.get(f"/v1/convai/agents/{agent_id}")).json()
    patch = {"conversation_config": {"agent": {"first_message": "Hello there"}}}
    response = await client.patch(f"/v1/convai/agents/{agent_id}", json=patch)
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["conversation_config"]["agent"]["first_message"] == "Hello there"
    before["conversation_config"]["agent"]["first_message"] = "Hello there"
    assert after["conversation_config"] == before["conversation_config"]
    assert after["platform_settings"] == before["platform_settings"]
    assert (after["name"], after["tags"]) == ("Support", ["a"])
    assert (await client.get(f"/v1/convai/agents/{agent_id}")).json() == after


async def test_patch_replaces_lists_and_validates_merged_result(
    client: httpx.AsyncClient,
) -> None:
    agent_id = await create(client, tags=["x", "y"])
    response = await client.patch(f"/v1/convai/agents/{agent_id}", json={"tags": ["z"]})
    assert response.json()["tags"] == ["z"]
    bad = {"conversation_config": {"tts": {"stability": 7}}}
    response = await client.patch(f"/v1/convai/agents/{agent_id}", json=bad)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:4] == [
        "body",
        "conversation_config",
        "tts",
        "stability",
    ]


async def test_list_search_tags_sort_and_cursor(client: httpx.AsyncClient) -> None:
    for index in range(7):
        await create(client, name=f"Agent {index:02d}", tags=["even" if index % 2 == 0 else "odd"])
    await create(client, name="Other bot")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: JsonDict = {
            "page_size": 3,
            "search": "aGeNt",
            "sort_by": "name",
            "sort_direction": "asc",
        }
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/convai/agents", params=params)).json()
        pages += 1
        seen += [agent["name"] for agent in page["agents"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert pages == 3
    assert seen == [f"Agent {index:02d}" for index in range(7)]
    odd = (await client.get("/v1/convai/agents", params={"tags": "odd"})).json()["agents"]
    assert sorted(a["name"] for a in odd) == ["Agent 01", "Agent 03", "Agent 05"]
    both = (await client.get("/v1/convai/agents?tags=odd&tags=even")).json()["agents"]
    assert len(both) == 7
    newest_first = (await client.get("/v1/convai/agents")).json()["agents"]
    assert newest_first[0]["name"] == "Other bot"


async def test_archived_agents_are_listed_apart(client: httpx.AsyncClient) -> None:
    archived = await create(client, name="old", platform_settings={"archived": True})
    live = await create(client, name="new")
    default = (await client.get("/v1/convai/agents")).json()["agents"]
    assert [a["agent_id"] for a in default] == [live]
    only_archived = (await client.get("/v1/convai/agents?archived=true")).json()["agents"]
    assert [a["agent_id"] for a in only_archived] == [archived]


async def test_duplicate_delete_link_and_kb_size(client: httpx.AsyncClient) -> None:
    agent_id = await create(
        client, name="Original", conversation_config={"agent": {"first_message": "Yo"}}
    )
    response = await client.post(f"/v1/convai/agents/{agent_id}/duplicate", json={"name": "Twin"})
    twin = response.json()["agent_id"]
    assert twin != agent_id
    twin_body = (await client.get(f"/v1/convai/agents/{twin}")).json()
    assert twin_body["name"] == "Twin"
    assert twin_body["conversation_config"]["agent"]["first_message"] == "Yo"
    link = (await client.get(f"/v1/convai/agents/{agent_id}/link")).json()
    assert link["agent_id"] == agent_id
    size = (await client.get(f"/v1/convai/agent/{agent_id}/knowledge-base/size")).json()
    assert size == {"number_of_pages": 0.0}
    assert (await client.delete(f"/v1/convai/agents/{agent_id}")).status_code == 204
    response = await client.get(f"/v1/convai/agents/{agent_id}")
    assert response.status_code == 404
    assert response.json()["detail"]["status"] == "agent_not_found"
    assert (await client.get(f"/v1/convai/agents/{twin}")).status_code == 200


async def test_bad_input_gets_clear_4xx(client: httpx.AsyncClient) -> None:
    url = "/v1/convai/agents/create"
    cases: list[tuple[Any, int, list[Any]]] = [
        (
            {"conversation_config": {"tts": {"agent_output_audio_format": "mp3_9"}}},
            422,
            ["body", "conversation_config", "tts", "agent_output_audio_format"],
        ),
        (
            {"conversation_config": {"turn": {"turn_timeout": "soon"}}},
            422,
            ["body", "conversation_config", "turn", "turn_timeout"],
        ),
        ({}, 422, ["body", "conversation_config"]),
        ({"conversation_config": {}, "tags": "notalist"}, 422, ["body", "tags"]),
    ]
    for body, status, loc in cases:
        response = await client.post(url, json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["detail"][0]["loc"][: len(loc)] == loc
    malformed = await client.post(
        url, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    assert isinstance(malformed.json()["detail"], list)
    for params in ({"page_size": 0}, {"page_size": 10_000}, {"sort_by": "mood"}):
        assert (await client.get("/v1/convai/agents", params=params)).status_code == 422
    bad_cursor = await client.get("/v1/convai/agents", params={"cursor": "garbage!"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["detail"]["status"] == "invalid_cursor"


async def test_oversize_body_is_refused(client: httpx.AsyncClient) -> None:
    huge = {"conversation_config": {"agent": {"prompt": {"prompt": "x" * 3_000_000}}}}
    response = await client.post("/v1/convai/agents/create", json=huge)
    assert response.status_code == 413
    assert response.json()["detail"]["status"] == "request_too_large"


async def test_unknown_fields_round_trip(client: httpx.AsyncClient) -> None:
    agent_id = await create(
        client, conversation_config={"turn": {"turn_eagerness": "eager"}, "vad": {"x": 1}}
    )
    body = (await client.get(f"/v1/convai/agents/{agent_id}")).json()
    assert body["conversation_config"]["turn"]["turn_eagerness"] == "eager"
    assert body["conversation_config"]["vad"] == {"x": 1}


async def test_cursor_of_another_order_is_refused(client: httpx.AsyncClient) -> None:
    for index in range(3):
        await create(client, name=f"n{index}")
    by_name = await client.get("/v1/convai/agents", params={"page_size": 1, "sort_by": "name"})
    cursor = by_name.json()["next_cursor"]
    response = await client.get("/v1/convai/agents", params={"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["detail"]["status"] == "invalid_cursor"
    secrets_cursor = await client.get("/v1/convai/secrets", params={"cursor": cursor})
    assert secrets_cursor.status_code == 200  # a name-keyed cursor fits the secrets listing


async def test_a_scalar_query_parameter_given_twice_is_refused(client: httpx.AsyncClient) -> None:
    twice = await client.get("/v1/convai/agents?archived=true&archived=false")
    assert twice.status_code == 422
    assert twice.json()["detail"][0]["loc"] == ["query", "archived"]
    # A list parameter may repeat: that is how several tags are asked for.
    tags = await client.get("/v1/convai/agents?tags=a&tags=b")
    assert tags.status_code == 200
