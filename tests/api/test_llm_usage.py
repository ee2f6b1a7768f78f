"""The LLM usage calculator: public and per agent, priced from the server's table."""

from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from fastapi import FastAPI

from openconvai.schemas.conversation_config import LLM
from openconvai.settings import Settings
from openconvai.state import AppState
from tests.api.test_auth import client_with, new_key
from tests.conftest import ADMIN_KEY

PUBLIC = "/v1/convai/llm-usage/calculate"

# Overrides every test here runs with: one list price replaced, one free model priced,
# one model with no list price given one.
OVERRIDES = {
    "gpt-4.1-nano": {"input": 1.0, "output": 2.0},
    "qwen3-4b": {"input": 0.5, "output": 0.5},
    "gpt-6-sol": {"input": 10.0, "output": 40.0},
}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The usual test settings, plus LLM price overrides."""
    return Settings.model_validate(
        {
            "data_dir": tmp_path / "data",
            "database_url": database_url,
            "admin_api_key": ADMIN_KEY,
            "llm_prices": OVERRIDES,
        }
    )


def agent_url(agent_id: str) -> str:
    return f"/v1/convai/agent/{agent_id}/llm-usage/calculate"


def per_minute(body: dict[str, Any]) -> dict[str, float]:
    return {entry["llm"]: entry["price_per_minute"] for entry in body["llm_prices"]}


def expected(input_usd: float, output_usd: float, prompt_chars: int, context: int) -> float:
    """The calculator's figure: 4 replies a minute, each sending the prompt, `context`
    knowledge tokens and ~300 of history; ~100 output tokens a minute."""
    input_tokens = 4 * (-(-prompt_chars // 4) + context + 300)
    return round((input_tokens * input_usd + 100 * output_usd) / 1e6, 9)


async def calculate(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post(PUBLIC, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_public_calculator_prices_every_model_with_a_price(
    client: httpx.AsyncClient,
) -> None:
    body = await calculate(client, prompt_length=4_000, number_of_pages=0, rag_enabled=False)
    prices = per_minute(body)
    assert prices["gpt-4o"] == expected(2.5, 10.0, 4_000, 0) == 0.014
    assert prices["claude-sonnet-4"] == expected(3.0, 15.0, 4_000, 0)
    assert prices["gpt-oss-120b"] == 0.0
    # The settings' prices win over the list, and price a model the list lacks.
    assert prices["gpt-4.1-nano"] == expected(1.0, 2.0, 4_000, 0)
    assert prices["qwen3-4b"] == expected(0.5, 0.5, 4_000, 0)
    assert prices["gpt-6-sol"] == expected(10.0, 40.0, 4_000, 0)
    # No price known, not listed.
    assert "gpt-6-luna" not in prices
    order = list(get_args(LLM))
    listed = [entry["llm"] for entry in body["llm_prices"]]
    assert listed == sorted(listed, key=order.index)
    gpt_4o = next(entry for entry in body["llm_prices"] if entry["llm"] == "gpt-4o")
    assert gpt_4o == {"llm": "gpt-4o", "price_per_minute": 0.014, "price_per_message": 0.0035}


async def test_knowledge_base_costs_unless_rag_retrieves_from_it(
    client: httpx.AsyncClient,
) -> None:
    empty = per_minute(
        await calculate(client, prompt_length=0, number_of_pages=0, rag_enabled=False)
    )
    whole = per_minute(
        await calculate(client, prompt_length=0, number_of_pages=100, rag_enabled=False)
    )
    rag = per_minute(
        await calculate(client, prompt_length=0, number_of_pages=100, rag_enabled=True)
    )
    small_rag = per_minute(
        await calculate(client, prompt_length=0, number_of_pages=1, rag_enabled=True)
    )
    assert whole["gpt-4o"] == expected(2.5, 10.0, 0, 65_000)
    assert rag["gpt-4o"] == expected(2.5, 10.0, 0, 1_000)
    assert small_rag["gpt-4o"] == expected(2.5, 10.0, 0, 650)
    assert empty["gpt-4o"] < small_rag["gpt-4o"] < rag["gpt-4o"] < whole["gpt-4o"]


async def test_public_calculator_needs_no_api_key(app: FastAPI) -> None:
    async with client_with(app, None) as anonymous:
        response = await anonymous.post(
            PUBLIC, json={"prompt_length": 10, "number_of_pages": 0, "rag_enabled": False}
        )
    assert response.status_code == 200, response.text


BAD_BODIES: list[dict[str, Any]] = [
    {},
    {"prompt_length": 10, "number_of_pages": 0},
    {"prompt_length": -1, "number_of_pages": 0, "rag_enabled": False},
    {"prompt_length": 10, "number_of_pages": -2, "rag_enabled": False},
    {"prompt_length": "10", "number_of_pages": 0, "rag_enabled": False},
    {"prompt_length": 10.5, "number_of_pages": 0, "rag_enabled": False},
    {"prompt_length": 10, "number_of_pages": 0, "rag_enabled": 1},
    {"prompt_length": 10**30, "number_of_pages": 0, "rag_enabled": False},
    {"prompt_length": 10, "number_of_pages": 10**12, "rag_enabled": False},
    {"prompt_length": None, "number_of_pages": 0, "rag_enabled": False},
]


async def test_public_calculator_refuses_bad_input(client: httpx.AsyncClient) -> None:
    for body in BAD_BODIES:
        response = await client.post(PUBLIC, json=body)
        assert response.status_code == 422, (body, response.text)
        assert isinstance(response.json()["detail"], list)


async def test_integral_floats_are_integers(client: httpx.AsyncClient) -> None:
    body = await calculate(client, prompt_length=4_000.0, number_of_pages=0.0, rag_enabled=False)
    assert per_minute(body)["gpt-4o"] == 0.014


async def test_agent_calculator_reads_what_the_body_leaves_out(
    client: httpx.AsyncClient,
) -> None:
    knowledge = [{"type": "text", "name": f"doc {n}", "id": f"doc_{n}"} for n in range(3)]
    created = await client.post(
        "/v1/convai/agents/create",
        json={
            "conversation_config": {
                "agent": {"prompt": {"prompt": "x" * 2_001, "knowledge_base": knowledge}}
            }
        },
    )
    assert created.status_code == 200, created.text
    url = agent_url(created.json()["agent_id"])

    async def agent_prices(body: dict[str, Any]) -> dict[str, float]:
        response = await client.post(url, json=body)
        assert response.status_code == 200, response.text
        return per_minute(response.json())

    from_agent = await agent_prices({})
    assert from_agent["gpt-4o"] == expected(2.5, 10.0, 2_001, 3 * 650)
    assert await agent_prices({"prompt_length": None, "rag_enabled": None}) == from_agent
    given = await agent_prices({"prompt_length": 8, "number_of_pages": 0, "rag_enabled": True})
    assert given["gpt-4o"] == expected(2.5, 10.0, 8, 0)
    rag = await agent_prices({"rag_enabled": True})
    assert rag["gpt-4o"] == expected(2.5, 10.0, 2_001, 1_000)
    public = per_minute(
        await calculate(client, prompt_length=2_001, number_of_pages=3, rag_enabled=False)
    )
    assert from_agent == public


async def test_agent_calculator_404_for_unknown_or_foreign_agents(
    app: FastAPI, app_state: AppState, client: httpx.AsyncClient
) -> None:
    agent_id = (
        await client.post("/v1/convai/agents/create", json={"conversation_config": {}})
    ).json()["agent_id"]
    missing = await client.post(agent_url("agent_doesnotexist"), json={})
    assert missing.status_code == 404
    assert missing.json()["detail"]["status"] == "agent_not_found"
    other = await new_key(app_state, new_workspace="Team B")
    async with client_with(app, other) as foreign:
        response = await foreign.post(agent_url(agent_id), json={})
    assert response.status_code == 404
    assert response.text == missing.text.replace("agent_doesnotexist", agent_id)


async def test_agent_calculator_needs_a_key_and_good_input(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent_id = (
        await client.post("/v1/convai/agents/create", json={"conversation_config": {}})
    ).json()["agent_id"]
    async with client_with(app, None) as anonymous:
        assert (await anonymous.post(agent_url(agent_id), json={})).status_code == 401
    for body in ({"prompt_length": -5}, {"number_of_pages": "2"}, {"rag_enabled": "yes"}):
        response = await client.post(agent_url(agent_id), json=body)
        assert response.status_code == 422, (body, response.text)
