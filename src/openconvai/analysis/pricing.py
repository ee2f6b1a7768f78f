"""What LLM tokens cost: a list-price table per model, overridable in settings.

Prices are USD per million tokens, the vendors' public list prices for standard
(non-batch, short-context) requests. Models this server runs itself (open-weight models
and `custom-llm`) cost nothing unless settings say otherwise. A model missing from the
table has no known price: its tokens are still counted, at no cost.
"""

from collections.abc import Mapping
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field

from openconvai.providers.llm.base import Usage

_PER_TOKEN = 1 / 1_000_000


class ModelPrice(BaseModel):
    """A model's price: USD per million input and per million output tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float = Field(ge=0, allow_inf_nan=False, description="USD per 1M input tokens.")
    output: float = Field(ge=0, allow_inf_nan=False, description="USD per 1M output tokens.")


def _price(input_usd: float, output_usd: float) -> ModelPrice:
    return ModelPrice(input=input_usd, output=output_usd)


_FREE = _price(0, 0)
_GPT_4O = _price(2.50, 10.00)
_GPT_4O_MINI = _price(0.15, 0.60)
_GPT_4 = _price(30.00, 60.00)
_GPT_4_TURBO = _price(10.00, 30.00)
_GPT_35_TURBO = _price(0.50, 1.50)
_GPT_41 = _price(2.00, 8.00)
_GPT_41_MINI = _price(0.40, 1.60)
_GPT_41_NANO = _price(0.10, 0.40)
_GPT_5 = _price(1.25, 10.00)
_GPT_5_MINI = _price(0.25, 2.00)
_GPT_5_NANO = _price(0.05, 0.40)
_GPT_52 = _price(1.75, 14.00)
_GPT_54 = _price(2.50, 15.00)
_GPT_54_MINI = _price(0.75, 4.50)
_GPT_54_NANO = _price(0.20, 1.25)
_GPT_55 = _price(5.00, 30.00)
_GEMINI_15_PRO = _price(1.25, 5.00)
_GEMINI_15_FLASH = _price(0.075, 0.30)
_GEMINI_20_FLASH = _price(0.10, 0.40)
_GEMINI_20_FLASH_LITE = _price(0.075, 0.30)
_GEMINI_25_FLASH = _price(0.30, 2.50)
# The spring 2025 previews had their own price (output without thinking).
_GEMINI_25_FLASH_EARLY_PREVIEW = _price(0.15, 0.60)
_GEMINI_25_FLASH_LITE = _price(0.10, 0.40)
_GEMINI_3_PRO = _price(2.00, 12.00)
_GEMINI_3_FLASH = _price(0.50, 3.00)
_GEMINI_31_FLASH_LITE = _price(0.25, 1.50)
_GEMINI_36_FLASH = _price(0.75, 3.75)
_CLAUDE_SONNET = _price(3.00, 15.00)
_CLAUDE_OPUS = _price(5.00, 25.00)
_CLAUDE_HAIKU_45 = _price(1.00, 5.00)
_CLAUDE_3_HAIKU = _price(0.25, 1.25)

LIST_PRICES: Mapping[str, ModelPrice] = MappingProxyType(
    {
        # OpenAI
        "gpt-4o": _GPT_4O,
        "gpt-4o-2024-11-20": _GPT_4O,
        "gpt-4o-2024-08-06": _GPT_4O,
        "gpt-4o-2024-05-13": _price(5.00, 15.00),
        "gpt-4o-mini": _GPT_4O_MINI,
        "gpt-4o-mini-2024-07-18": _GPT_4O_MINI,
        "gpt-4": _GPT_4,
        "gpt-4-0613": _GPT_4,
        "gpt-4-0314": _GPT_4,
        "gpt-4-turbo": _GPT_4_TURBO,
        "gpt-4-turbo-2024-04-09": _GPT_4_TURBO,
        "gpt-3.5-turbo": _GPT_35_TURBO,
        "gpt-3.5-turbo-0125": _GPT_35_TURBO,
        "gpt-3.5-turbo-1106": _price(1.00, 2.00),
        "gpt-4.1": _GPT_41,
        "gpt-4.1-2025-04-14": _GPT_41,
        "gpt-4.1-mini": _GPT_41_MINI,
        "gpt-4.1-mini-2025-04-14": _GPT_41_MINI,
        "gpt-4.1-nano": _GPT_41_NANO,
        "gpt-4.1-nano-2025-04-14": _GPT_41_NANO,
        "gpt-5": _GPT_5,
        "gpt-5-2025-08-07": _GPT_5,
        "gpt-5-mini": _GPT_5_MINI,
        "gpt-5-mini-2025-08-07": _GPT_5_MINI,
        "gpt-5-nano": _GPT_5_NANO,
        "gpt-5-nano-2025-08-07": _GPT_5_NANO,
        "gpt-5.1": _GPT_5,
        "gpt-5.1-2025-11-13": _GPT_5,
        "gpt-5.2": _GPT_52,
        "gpt-5.2-2025-12-11": _GPT_52,
        "gpt-5.2-chat-latest": _GPT_52,
        "gpt-5.4": _GPT_54,
        "gpt-5.4-2026-03-05": _GPT_54,
        "gpt-5.4-mini": _GPT_54_MINI,
        "gpt-5.4-mini-2026-03-17": _GPT_54_MINI,
        "gpt-5.4-nano": _GPT_54_NANO,
        "gpt-5.4-nano-2026-03-17": _GPT_54_NANO,
        "gpt-5.5": _GPT_55,
        "gpt-5.5-2026-04-23": _GPT_55,
        "gpt-5.6-sol": _price(5.00, 30.00),
        "gpt-5.6-terra": _price(2.00, 12.00),
        "gpt-5.6-luna": _price(0.20, 1.20),
        # Google
        "gemini-1.5-pro": _GEMINI_15_PRO,
        "gemini-1.5-pro-001": _GEMINI_15_PRO,
        "gemini-1.5-pro-002": _GEMINI_15_PRO,
        "gemini-1.5-flash": _GEMINI_15_FLASH,
        "gemini-1.5-flash-001": _GEMINI_15_FLASH,
        "gemini-1.5-flash-002": _GEMINI_15_FLASH,
        "gemini-2.0-flash": _GEMINI_20_FLASH,
        "gemini-2.0-flash-001": _GEMINI_20_FLASH,
        "gemini-2.0-flash-lite": _GEMINI_20_FLASH_LITE,
        "gemini-2.0-flash-lite-001": _GEMINI_20_FLASH_LITE,
        "gemini-2.5-flash": _GEMINI_25_FLASH,
        "gemini-2.5-flash-preview-09-2025": _GEMINI_25_FLASH,
        "gemini-2.5-flash-preview-05-20": _GEMINI_25_FLASH_EARLY_PREVIEW,
        "gemini-2.5-flash-preview-04-17": _GEMINI_25_FLASH_EARLY_PREVIEW,
        "gemini-2.5-flash-lite": _GEMINI_25_FLASH_LITE,
        "gemini-2.5-flash-lite-preview-09-2025": _GEMINI_25_FLASH_LITE,
        "gemini-2.5-flash-lite-preview-06-17": _GEMINI_25_FLASH_LITE,
        "gemini-3-pro-preview": _GEMINI_3_PRO,
        "gemini-3.1-pro-preview": _GEMINI_3_PRO,
        "gemini-3-flash-preview": _GEMINI_3_FLASH,
        "gemini-3.1-flash-lite": _GEMINI_31_FLASH_LITE,
        "gemini-3.1-flash-lite-preview": _GEMINI_31_FLASH_LITE,
        "gemini-3.5-flash": _price(1.50, 9.00),
        "gemini-3.6-flash": _GEMINI_36_FLASH,
        "gemini-3.7-flash": _GEMINI_36_FLASH,
        "gemini-3.8-flash": _GEMINI_36_FLASH,
        # Anthropic
        "claude-sonnet-4": _CLAUDE_SONNET,
        "claude-sonnet-4@20250514": _CLAUDE_SONNET,
        "claude-sonnet-4-5": _CLAUDE_SONNET,
        "claude-sonnet-4-5@20250929": _CLAUDE_SONNET,
        "claude-sonnet-4-6": _CLAUDE_SONNET,
        "claude-sonnet-5": _price(2.00, 10.00),
        "claude-3-7-sonnet": _CLAUDE_SONNET,
        "claude-3-7-sonnet@20250219": _CLAUDE_SONNET,
        "claude-3-5-sonnet": _CLAUDE_SONNET,
        "claude-3-5-sonnet-v1": _CLAUDE_SONNET,
        "claude-3-5-sonnet@20240620": _CLAUDE_SONNET,
        "claude-3-5-sonnet-v2@20241022": _CLAUDE_SONNET,
        "claude-opus-4-6": _CLAUDE_OPUS,
        "claude-opus-4-7": _CLAUDE_OPUS,
        "claude-opus-4-8": _CLAUDE_OPUS,
        "claude-opus-5": _CLAUDE_OPUS,
        "claude-haiku-4-5": _CLAUDE_HAIKU_45,
        "claude-haiku-4-5@20251001": _CLAUDE_HAIKU_45,
        "claude-3-haiku": _CLAUDE_3_HAIKU,
        "claude-3-haiku@20240307": _CLAUDE_3_HAIKU,
        # xAI
        "grok-beta": _price(5.00, 15.00),
        # Served by this deployment itself: no per-token price.
        "custom-llm": _FREE,
        "qwen3-4b": _FREE,
        "qwen3-30b-a3b": _FREE,
        "qwen36-35b-a3b": _FREE,
        "qwen35-397b-a17b": _FREE,
        "gpt-oss-20b": _FREE,
        "gpt-oss-120b": _FREE,
        "glm-45-air-fp8": _FREE,
        "glm-52": _FREE,
        "deepseek-v41-flash": _FREE,
        "nemotron-35-super-vl-nvfp4": _FREE,
        "watt-tool-8b": _FREE,
        "watt-tool-70b": _FREE,
    }
)


def price_table(overrides: Mapping[str, ModelPrice] | None = None) -> dict[str, ModelPrice]:
    """The list prices with `overrides` (settings' `llm_prices`) laid over them."""
    return {**LIST_PRICES, **(overrides or {})}


def token_costs(
    prices: Mapping[str, ModelPrice], model: str, input_tokens: int, output_tokens: int
) -> tuple[float, float]:
    """USD for the input and for the output tokens; (0, 0) for a model with no price."""
    price = prices.get(model)
    if price is None:
        return 0.0, 0.0
    return input_tokens * price.input * _PER_TOKEN, output_tokens * price.output * _PER_TOKEN


def usage_cost(usage: Usage, prices: Mapping[str, ModelPrice]) -> float:
    """USD one generation cost."""
    input_usd, output_usd = token_costs(
        prices, usage.model, usage.input_tokens, usage.output_tokens
    )
    return input_usd + output_usd
