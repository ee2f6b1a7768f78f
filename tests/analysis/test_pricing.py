"""The LLM price table: list prices, free self-served models, overrides from settings."""

from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from openconvai.analysis.pricing import (
    LIST_PRICES,
    ModelPrice,
    price_table,
    token_costs,
    usage_cost,
)
from openconvai.providers.llm.base import Usage
from openconvai.schemas.conversation_config import LLM
from openconvai.settings import Settings

SELF_SERVED = [
    "custom-llm", "qwen3-4b", "qwen3-30b-a3b", "qwen36-35b-a3b", "qwen35-397b-a17b",
    "gpt-oss-20b", "gpt-oss-120b", "glm-45-air-fp8", "glm-52", "deepseek-v41-flash",
    "nemotron-35-super-vl-nvfp4", "watt-tool-8b", "watt-tool-70b",
]  # fmt: skip


def test_every_priced_model_is_an_llm_of_the_contract() -> None:
    assert set(LIST_PRICES) <= set(get_args(LLM))


@pytest.mark.parametrize(
    ("model", "input_usd", "output_usd"),
    [
        ("gpt-4o", 2.50, 10.00),
        ("gpt-4o-mini", 0.15, 0.60),
        ("gpt-4.1", 2.00, 8.00),
        ("gpt-4.1-nano", 0.10, 0.40),
        ("gpt-5", 1.25, 10.00),
        ("gpt-5-mini", 0.25, 2.00),
        ("gemini-2.0-flash", 0.10, 0.40),
        ("gemini-2.5-flash", 0.30, 2.50),
        ("claude-sonnet-4-5", 3.00, 15.00),
        ("claude-haiku-4-5", 1.00, 5.00),
        ("claude-3-haiku", 0.25, 1.25),
    ],
)
def test_list_prices(model: str, input_usd: float, output_usd: float) -> None:
    assert LIST_PRICES[model] == ModelPrice(input=input_usd, output=output_usd)


@pytest.mark.parametrize(
    ("snapshot", "family"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("gpt-5-nano-2025-08-07", "gpt-5-nano"),
        ("gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("claude-sonnet-4@20250514", "claude-sonnet-4"),
        ("claude-3-haiku@20240307", "claude-3-haiku"),
    ],
)
def test_a_dated_snapshot_costs_what_its_model_does(snapshot: str, family: str) -> None:
    assert LIST_PRICES[snapshot] == LIST_PRICES[family]


@pytest.mark.parametrize("model", SELF_SERVED)
def test_models_this_server_runs_cost_nothing(model: str) -> None:
    assert LIST_PRICES[model] == ModelPrice(input=0, output=0)


def test_token_costs_are_per_million_tokens() -> None:
    assert token_costs(LIST_PRICES, "gpt-4o", 1_000_000, 1_000_000) == (2.5, 10.0)
    input_usd, output_usd = token_costs(LIST_PRICES, "claude-sonnet-4", 2_000, 300)
    assert input_usd == pytest.approx(0.006)
    assert output_usd == pytest.approx(0.0045)


def test_a_model_without_a_price_costs_nothing() -> None:
    assert "gpt-6-sol" in get_args(LLM)
    assert "gpt-6-sol" not in LIST_PRICES
    assert token_costs(LIST_PRICES, "gpt-6-sol", 10_000, 10_000) == (0.0, 0.0)
    assert token_costs(LIST_PRICES, "some-local-model", 10_000, 10_000) == (0.0, 0.0)


def test_usage_cost_prices_one_generation() -> None:
    cost = usage_cost(Usage("gpt-4o-mini", input_tokens=1_000, output_tokens=500), LIST_PRICES)
    assert cost == pytest.approx(1_000 * 0.15e-6 + 500 * 0.60e-6)


def test_settings_override_and_extend_the_list_prices(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        llm_prices={
            "gpt-4o": {"input": 1.0, "output": 2.0},
            "qwen3-4b": {"input": 0.05, "output": 0.1},
            "my-finetune": {"input": 3, "output": 4},
        },
    )
    prices = price_table(settings.llm_prices)
    assert prices["gpt-4o"] == ModelPrice(input=1.0, output=2.0)
    assert prices["qwen3-4b"] == ModelPrice(input=0.05, output=0.1)
    assert prices["my-finetune"] == ModelPrice(input=3, output=4)
    assert prices["gpt-4o-mini"] == LIST_PRICES["gpt-4o-mini"]
    assert usage_cost(Usage("my-finetune", 1_000_000, 500_000), prices) == pytest.approx(5.0)
    # The list itself is read-only and unchanged.
    assert LIST_PRICES["gpt-4o"] == ModelPrice(input=2.5, output=10.0)
    with pytest.raises(TypeError):
        LIST_PRICES["gpt-4o"] = ModelPrice(input=0, output=0)  # type: ignore[index]


def test_settings_read_prices_as_json_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENCONVAI_LLM_PRICES", '{"custom-llm": {"input": 0.2, "output": 0.8}}')
    settings = Settings(data_dir=tmp_path)
    assert price_table(settings.llm_prices)["custom-llm"] == ModelPrice(input=0.2, output=0.8)


@pytest.mark.parametrize(
    "bad",
    [
        {"gpt-4o": {"input": -1, "output": 2}},
        {"gpt-4o": {"input": 1}},
        {"gpt-4o": {"input": 1, "output": 2, "cached": 0.5}},
        {"gpt-4o": {"input": "free", "output": 2}},
        {"gpt-4o": {"input": float("inf"), "output": 2}},
    ],
)
def test_bad_prices_in_settings_are_refused(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, llm_prices=bad)
