"""`GET /v1/convai/llm/list`: every model name agents may use, with its limits."""

from typing import get_args

import httpx

from openconvai.schemas.conversation_config import LLM
from openconvai.state import AppState


async def test_every_llm_name_is_listed_with_limits(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    response = await client.get("/v1/convai/llm/list")
    assert response.status_code == 200, response.text
    body = response.json()
    by_name = {info["llm"]: info for info in body["llms"]}
    assert list(by_name) == list(get_args(LLM))
    assert body["default_deprecation_config"]["fallback_complete_percentage"] == 100
    for info in body["llms"]:
        assert 0 < info["max_tokens_limit"] <= info["max_context_limit"], info
        assert info["available_service_tiers"] == ["standard"]
        assert info["deprecation_info"] is None
    local_context = app_state.settings.local_llm_context
    assert by_name["qwen3-4b"]["max_context_limit"] == local_context
    assert by_name["qwen3-4b"]["supports_parallel_tool_calls"] is False
    assert by_name["gpt-4o"]["max_context_limit"] == 128_000
    assert by_name["claude-sonnet-4-5"]["max_context_limit"] == 200_000
    assert by_name["gpt-4o-2024-08-06"]["is_checkpoint"] is True
    assert by_name["claude-3-5-sonnet@20240620"]["is_checkpoint"] is True
    assert by_name["gemini-2.0-flash-001"]["is_checkpoint"] is True
    assert by_name["gpt-4o"]["is_checkpoint"] is False
    assert by_name["gpt-oss-120b"]["is_checkpoint"] is False


async def test_llm_list_needs_a_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/convai/llm/list", headers={"xi-api-key": "sk_wrong"})
    assert response.status_code == 401
