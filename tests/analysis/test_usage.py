"""Token tallies: summed per model, stored as JSON and read back."""

import pytest
from pydantic import ValidationError

from openconvai.analysis.usage import TokenCounts, combine, from_json, tally, to_json
from openconvai.providers.llm.base import Usage


def test_tally_sums_generations_per_model() -> None:
    counted = tally(
        [Usage("gpt-4o", 100, 10), Usage("claude-3-haiku", 5, 1), Usage("gpt-4o", 50, 7)]
    )
    assert counted == {
        "gpt-4o": TokenCounts(input=150, output=17),
        "claude-3-haiku": TokenCounts(input=5, output=1),
    }


def test_a_negative_count_from_a_provider_counts_as_zero() -> None:
    assert tally([Usage("m", -3, 4)]) == {"m": TokenCounts(input=0, output=4)}


def test_combine_adds_tallies() -> None:
    a = {"gpt-4o": TokenCounts(input=1, output=2)}
    b = {"gpt-4o": TokenCounts(input=10, output=20), "m": TokenCounts(input=3, output=0)}
    assert combine(a, b) == {
        "gpt-4o": TokenCounts(input=11, output=22),
        "m": TokenCounts(input=3, output=0),
    }
    assert combine() == {}


def test_json_round_trip() -> None:
    counted = tally([Usage("gpt-4o", 100, 10)])
    assert to_json(counted) == {"gpt-4o": {"input": 100, "output": 10}}
    assert from_json(to_json(counted)) == counted
    assert from_json(None) == {}
    with pytest.raises(ValidationError):
        from_json({"gpt-4o": {"input": -1, "output": 0}})
