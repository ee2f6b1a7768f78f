"""A real server records each conversation's LLM usage and serves it, priced, with the rest.

The scripted LLM reports a generation's tokens as words: the whole context in, the reply out.
"""

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import ADMIN_KEY
from tests.integration.test_conversation_socket import create_agent, initiate, until, url_for
from tests.integration.test_sdk_agents import sdk
from tests.support.live_server import LiveServer, finished_conversation, live_server

# A dollar a token in, two out: prices that make the arithmetic exact.
PRICES = {"gpt-4o-mini": {"input": 1_000_000, "output": 2_000_000}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("usage")
    url = f"sqlite+aiosqlite:///{data_dir / 'store.db'}"
    env = {"OPENCONVAI_SCRIPTED_PROVIDERS": "true", "OPENCONVAI_LLM_PRICES": json.dumps(PRICES)}
    with live_server(data_dir / "data", url, ADMIN_KEY, env) as running:
        yield running


def talk(server: LiveServer, llm: str, messages: list[str]) -> dict[str, Any]:
    """A text conversation with a new agent on `llm`; the stored record once it is done."""
    agent_id = create_agent(
        server, {"agent": {"first_message": "Hello", "prompt": {"prompt": "Be brief.", "llm": llm}}}
    )
    with connect(url_for(server, agent_id)) as ws:
        started = initiate(ws, conversation_config_override={"text_only": True})
        conversation_id: str = started["conversation_initiation_metadata_event"]["conversation_id"]
        until(ws, "agent_response")
        for text in messages:
            ws.send(json.dumps({"type": "user_message", "text": text}))
            reply = until(ws, "agent_response")["agent_response_event"]["agent_response"]
            assert reply == f"You said: {text}"
    return finished_conversation(server, conversation_id)


def test_usage_is_recorded_per_turn_and_for_the_conversation(server: LiveServer) -> None:
    record = talk(server, "gpt-4o-mini", ["what is up", "tell me more please"])
    transcript = record["transcript"]
    assert [(e["role"], e["message"]) for e in transcript] == [
        ("agent", "Hello"),
        ("user", "what is up"),
        ("agent", "You said: what is up"),
        ("user", "tell me more please"),
        ("agent", "You said: tell me more please"),
    ]
    assert [e["llm_usage"] for e in transcript[:2]] == [None, None]
    assert transcript[3]["llm_usage"] is None
    first = transcript[2]["llm_usage"]["model_usage"]["gpt-4o-mini"]
    second = transcript[4]["llm_usage"]["model_usage"]["gpt-4o-mini"]
    # The reply's words out; the context in, which grows by the turns between.
    assert first["output_total"] == {"tokens": 5, "price": 10.0}
    assert second["output_total"] == {"tokens": 6, "price": 12.0}
    # "You said: what is up" and "tell me more please" joined the context.
    assert second["input"]["tokens"] == first["input"]["tokens"] + 5 + 4
    for usage in (first, second):
        assert usage["input"]["price"] == float(usage["input"]["tokens"])
        assert usage["input_cache_read"] == usage["input_cache_write"] == {"tokens": 0, "price": 0}

    charging = record["metadata"]["charging"]
    input_tokens = first["input"]["tokens"] + second["input"]["tokens"]
    total = {
        "gpt-4o-mini": {
            "input": {"tokens": input_tokens, "price": float(input_tokens)},
            "input_cache_read": {"tokens": 0, "price": 0.0},
            "input_cache_write": {"tokens": 0, "price": 0.0},
            "output_total": {"tokens": 11, "price": 22.0},
        }
    }
    assert charging["llm_usage"] == {
        "irreversible_generation": {"model_usage": total},
        "initiated_generation": {"model_usage": total},
    }
    assert charging["llm_price"] == input_tokens + 22.0
    assert (charging["llm_charge"], charging["call_charge"]) == (None, None)


def test_list_prices_apply_where_settings_name_none(server: LiveServer) -> None:
    record = talk(server, "gpt-4o", ["hi"])
    usage = record["transcript"][-1]["llm_usage"]["model_usage"]["gpt-4o"]
    assert usage["output_total"] == {"tokens": 3, "price": round(3 * 10.0 / 1e6, 9)}
    assert usage["input"]["price"] == round(usage["input"]["tokens"] * 2.5 / 1e6, 9)
    price = record["metadata"]["charging"]["llm_price"]
    assert price == pytest.approx(usage["input"]["price"] + usage["output_total"]["price"])


def test_the_official_sdk_reads_usage_and_calculates(server: LiveServer) -> None:
    record = talk(server, "gpt-4o-mini", ["hello"])
    with httpx.Client() as http:
        client = sdk(server, http)
        got = client.conversational_ai.conversations.get(record["conversation_id"])
        charging = got.metadata.charging
        assert charging is not None and charging.llm_usage is not None
        assert charging.llm_price == record["metadata"]["charging"]["llm_price"]
        every_call = charging.llm_usage.initiated_generation
        assert every_call is not None and every_call.model_usage is not None
        output = every_call.model_usage["gpt-4o-mini"].output_total
        assert output is not None and output.tokens == 3
        turn = got.transcript[-1].llm_usage
        assert turn is not None and turn.model_usage is not None
        assert set(turn.model_usage) == {"gpt-4o-mini"}

        public = client.conversational_ai.llm_usage.calculate(
            prompt_length=400, number_of_pages=2, rag_enabled=True
        )
        prices = {entry.llm: entry for entry in public.llm_prices}
        assert prices["gpt-4o-mini"].price_per_minute == 4 * (100 + 1_000 + 300) + 2 * 100
        assert prices["gpt-4o-mini"].price_per_message == prices["gpt-4o-mini"].price_per_minute / 4
        agent_id = record["agent_id"]
        for_agent = client.conversational_ai.agents.llm_usage.calculate(agent_id)
        # "Be brief." is 9 characters, 3 tokens; no knowledge base.
        gpt = next(entry for entry in for_agent.llm_prices if entry.llm == "gpt-4o-mini")
        assert gpt.price_per_minute == 4 * (3 + 0 + 300) + 2 * 100
