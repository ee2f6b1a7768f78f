"""NUL characters (which PostgreSQL cannot store) get a clear 4xx on every store, never a 500."""

import httpx


async def test_nul_in_paths_queries_and_bodies(client: httpx.AsyncClient) -> None:
    for url in [
        "/v1/convai/agents/a%00b",
        "/v1/convai/conversations/c%00d",
        "/v1/convai/agents?search=a%00b",
        "/v1/convai/secrets?search=%00",
    ]:
        response = await client.get(url)
        assert response.status_code < 500, (url, response.text)
    patched = await client.patch(
        "/v1/convai/secrets/s%00", json={"type": "update", "name": "x", "value": "y"}
    )
    assert patched.status_code < 500
    created = await client.post(
        "/v1/convai/agents/create", json={"conversation_config": {}, "name": "a\u0000b"}
    )
    assert created.status_code in (200, 400)
    if created.status_code == 400:
        assert created.json()["detail"]["status"] == "invalid_text"
