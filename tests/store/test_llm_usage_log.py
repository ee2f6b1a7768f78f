"""LLM usage as the live core reports it: written with the agent entries, priced when read."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from openconvai.analysis.pricing import LIST_PRICES, ModelPrice, price_table
from openconvai.conversation.log import LoggedTurn
from openconvai.providers.llm.base import Usage
from openconvai.services import conversations
from openconvai.services.conversation_log import StoreConversationLog
from openconvai.store import migrate
from openconvai.store import workspaces as workspace_store
from openconvai.store.database import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate.upgrade, database_url)
    store = Database(database_url)
    try:
        yield store
    finally:
        await store.close()


async def start(database: Database) -> tuple[str, str]:
    async with database.session() as session:
        workspace = await workspace_store.add_workspace(session, "Team")
        await session.commit()
        conversation_id = await conversations.start_conversation(
            session, workspace_id=workspace.id, agent_id="agent_x"
        )
    return workspace.id, conversation_id


def tokens(
    input_tokens: int, output_tokens: int, input_usd: float, output_usd: float
) -> dict[str, Any]:
    """One model's entry of `model_usage`, priced at USD per million tokens."""
    return {
        "input": {"tokens": input_tokens, "price": round(input_tokens * input_usd / 1e6, 9)},
        "input_cache_read": {"tokens": 0, "price": 0.0},
        "input_cache_write": {"tokens": 0, "price": 0.0},
        "output_total": {
            "tokens": output_tokens,
            "price": round(output_tokens * output_usd / 1e6, 9),
        },
    }


async def test_usage_goes_with_the_agent_entry_it_led_to(database: Database) -> None:
    workspace_id, conversation_id = await start(database)
    log = StoreConversationLog(database, conversation_id)
    log.in_progress()
    log.add(LoggedTurn("agent", "Hi", 0, event_id=1))
    log.add(LoggedTurn("user", "Where is my order?", 2, event_id=2))
    # A tool round and the answer: two generations, one turn.
    log.usage(Usage("gpt-4o", 1_000, 12))
    log.usage(Usage("gpt-4o", 1_100, 40))
    log.add(LoggedTurn("agent", "It has shipped.", 4, event_id=3))
    log.add(LoggedTurn("user", "Thanks", 6, event_id=4))
    log.usage(Usage("claude-3-haiku", 400, 9))
    log.add(LoggedTurn("agent", "You are welcome", 7, interrupted=True, event_id=5))
    # Generated after the last entry: nobody heard it.
    log.usage(Usage("gpt-4o", 1_300, 20))
    await log.close(failed=False, termination_reason="done", duration_secs=9)

    async with database.session() as session:
        got = await conversations.get_conversation(session, workspace_id, conversation_id)
    body = got.model_dump(mode="json")
    per_turn = [entry["llm_usage"] for entry in body["transcript"]]
    assert per_turn[0] is None and per_turn[1] is None and per_turn[3] is None
    assert per_turn[2] == {"model_usage": {"gpt-4o": tokens(2_100, 52, 2.5, 10.0)}}
    assert per_turn[4] == {"model_usage": {"claude-3-haiku": tokens(400, 9, 0.25, 1.25)}}
    charging = body["metadata"]["charging"]
    assert charging["llm_usage"] == {
        "irreversible_generation": {
            "model_usage": {
                "gpt-4o": tokens(2_100, 52, 2.5, 10.0),
                "claude-3-haiku": tokens(400, 9, 0.25, 1.25),
            }
        },
        "initiated_generation": {
            "model_usage": {
                "gpt-4o": tokens(3_400, 72, 2.5, 10.0),
                "claude-3-haiku": tokens(400, 9, 0.25, 1.25),
            }
        },
    }
    every_call = charging["llm_usage"]["initiated_generation"]["model_usage"].values()
    total = sum(usage["input"]["price"] + usage["output_total"]["price"] for usage in every_call)
    assert charging["llm_price"] == pytest.approx(total)
    assert charging["llm_price"] == pytest.approx(
        (3_400 * 2.5 + 72 * 10 + 400 * 0.25 + 9 * 1.25) / 1e6
    )
    # A self-hosted server charges no credits.
    assert (charging["llm_charge"], charging["call_charge"]) == (None, None)


async def test_prices_are_those_of_the_table_given(database: Database) -> None:
    workspace_id, conversation_id = await start(database)
    log = StoreConversationLog(database, conversation_id)
    log.add(LoggedTurn("user", "Hello", 1))
    log.usage(Usage("qwen3-4b", 500, 10))
    log.usage(Usage("my-finetune", 500, 10))
    log.add(LoggedTurn("agent", "Hi there", 2, event_id=2))
    await log.close(failed=False, termination_reason="done", duration_secs=3)

    async with database.session() as session:
        listed = await conversations.get_conversation(session, workspace_id, conversation_id)
        table = price_table({"my-finetune": ModelPrice(input=2, output=4)})
        priced = await conversations.get_conversation(session, workspace_id, conversation_id, table)
    # Self-served and unknown models cost nothing at list prices; their tokens still count.
    assert listed.metadata.charging.llm_price == 0.0
    turn = listed.transcript[1].llm_usage
    assert turn is not None
    assert turn.model_usage["my-finetune"].input.tokens == 500
    assert priced.metadata.charging.llm_price == pytest.approx((500 * 2 + 10 * 4) / 1e6)
    assert LIST_PRICES.get("my-finetune") is None


async def test_a_conversation_without_llm_use_has_no_price(database: Database) -> None:
    workspace_id, conversation_id = await start(database)
    log = StoreConversationLog(database, conversation_id)
    log.add(LoggedTurn("agent", "Hi", 0, event_id=1))
    await log.close(failed=False, termination_reason="done", duration_secs=1)
    async with database.session() as session:
        got = await conversations.get_conversation(session, workspace_id, conversation_id)
    charging = got.metadata.charging.model_dump(mode="json")
    assert charging["llm_price"] is None
    assert charging["llm_usage"] == {
        "irreversible_generation": {"model_usage": {}},
        "initiated_generation": {"model_usage": {}},
    }
    assert got.transcript[0].llm_usage is None
