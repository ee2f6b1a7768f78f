"""Tokens a conversation's LLM used, summed per model."""

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from openconvai.providers.llm.base import Usage


class TokenCounts(BaseModel):
    """Input and output tokens of one model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: int = Field(default=0, ge=0)
    output: int = Field(default=0, ge=0)


ModelTokens = dict[str, TokenCounts]

_MODEL_TOKENS: TypeAdapter[ModelTokens] = TypeAdapter(ModelTokens)


def tally(usages: Iterable[Usage]) -> ModelTokens:
    """The generations' tokens, summed per model."""
    totals: ModelTokens = {}
    for usage in usages:
        # A provider's odd negative count must not fail the call it is reported in.
        before = totals.get(usage.model, TokenCounts())
        totals[usage.model] = TokenCounts(
            input=before.input + max(0, usage.input_tokens),
            output=before.output + max(0, usage.output_tokens),
        )
    return totals


def combine(*tallies: Mapping[str, TokenCounts]) -> ModelTokens:
    """Several tallies summed into one."""
    totals: ModelTokens = {}
    for counts in tallies:
        for model, tokens in counts.items():
            before = totals.get(model, TokenCounts())
            totals[model] = TokenCounts(
                input=before.input + tokens.input, output=before.output + tokens.output
            )
    return totals


def to_json(counts: Mapping[str, TokenCounts]) -> dict[str, Any]:
    """The tally as the store keeps it."""
    return {model: tokens.model_dump() for model, tokens in counts.items()}


def from_json(data: Mapping[str, Any] | None) -> ModelTokens:
    """A tally the store kept (empty for none)."""
    return _MODEL_TOKENS.validate_python(data or {})
