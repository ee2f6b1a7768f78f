"""LLM usage and what it costs.

A conversation's tokens in the contract's shape, and the expected cost of a minute of
conversation per model (the llm-usage calculator).
"""

import math
from collections.abc import Mapping
from typing import get_args

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.analysis.pricing import ModelPrice, token_costs
from openconvai.analysis.usage import ModelTokens, TokenCounts
from openconvai.schemas.conversation_config import LLM
from openconvai.schemas.conversations import (
    ConversationCharging,
    LLMCategoryUsage,
    LLMInputOutputTokensUsage,
    LLMTokensCategoryUsage,
    LLMUsage,
)
from openconvai.schemas.llm_usage import (
    LLMUsageCalculatorLLMResponse,
    LLMUsageCalculatorPublicRequest,
    LLMUsageCalculatorRequest,
    LLMUsageCalculatorResponse,
)
from openconvai.services import agents

# Nano-dollars: finer than any price, and no float noise such as 0.00083270000000001.
_USD_DIGITS = 9

# The calculator's picture of one minute of a typical voice conversation:
# - text is ~4 characters a token (English, with the GPT, Gemini and Claude tokenizers);
# - the agent replies 4 times a minute, and every reply sends the model its whole context
#   again: the system prompt, the knowledge base (all of it without RAG, the retrieved
#   chunks with RAG) and the conversation so far, ~300 tokens on average over a minute;
# - the agent speaks ~150 words a minute for about half of it: ~100 output tokens;
# - a knowledge-base page (PDF page or web page) is ~500 words, ~650 tokens, and RAG adds
#   at most ~1,000 tokens of retrieved chunks to a reply, however large the base.
_CHARS_PER_TOKEN = 4
_REPLIES_PER_MINUTE = 4
_HISTORY_TOKENS = 300
_OUTPUT_TOKENS_PER_MINUTE = 100
_TOKENS_PER_PAGE = 650
_RAG_CONTEXT_TOKENS = 1_000

_CALCULATED_MODELS: tuple[str, ...] = get_args(LLM)


# --- A conversation's usage ----------------------------------------------------------------


def priced_usage(counts: Mapping[str, TokenCounts], prices: Mapping[str, ModelPrice]) -> LLMUsage:
    """Tokens per model with their price, in the contract's `LLMUsage` shape."""
    model_usage: dict[str, LLMInputOutputTokensUsage] = {}
    for model, tokens in counts.items():
        input_usd, output_usd = token_costs(prices, model, tokens.input, tokens.output)
        model_usage[model] = LLMInputOutputTokensUsage(
            input=LLMTokensCategoryUsage(tokens=tokens.input, price=round(input_usd, _USD_DIGITS)),
            output_total=LLMTokensCategoryUsage(
                tokens=tokens.output, price=round(output_usd, _USD_DIGITS)
            ),
        )
    return LLMUsage(model_usage=model_usage)


def charging(
    initiated: ModelTokens | None, in_transcript: ModelTokens, prices: Mapping[str, ModelPrice]
) -> ConversationCharging:
    """The conversation's `charging`: its LLM tokens and their price in USD.

    `initiated` counts every LLM call, `in_transcript` those behind the transcript's agent
    entries. `initiated` None means no usage was ever recorded: the price is unknown (null).
    No credits are charged, so `llm_charge` and `call_charge` stay null.
    """
    every_call = priced_usage(initiated or {}, prices)
    return ConversationCharging(
        llm_usage=LLMCategoryUsage(
            irreversible_generation=priced_usage(in_transcript, prices),
            initiated_generation=every_call,
        ),
        llm_price=None if initiated is None else round(_total(every_call), _USD_DIGITS),
    )


def _total(usage: LLMUsage) -> float:
    return sum(
        each.input.price
        + each.input_cache_read.price
        + each.input_cache_write.price
        + each.output_total.price
        for each in usage.model_usage.values()
    )


# --- The calculator ------------------------------------------------------------------------


def calculate(
    body: LLMUsageCalculatorPublicRequest, prices: Mapping[str, ModelPrice]
) -> LLMUsageCalculatorResponse:
    """The expected cost of a minute of conversation, for every model with a price."""
    knowledge_tokens = body.number_of_pages * _TOKENS_PER_PAGE
    if body.rag_enabled:
        knowledge_tokens = min(knowledge_tokens, _RAG_CONTEXT_TOKENS)
    prompt_tokens = math.ceil(body.prompt_length / _CHARS_PER_TOKEN)
    input_tokens = _REPLIES_PER_MINUTE * (prompt_tokens + knowledge_tokens + _HISTORY_TOKENS)
    estimates: list[LLMUsageCalculatorLLMResponse] = []
    for model in _CALCULATED_MODELS:
        if model not in prices:
            continue
        input_usd, output_usd = token_costs(prices, model, input_tokens, _OUTPUT_TOKENS_PER_MINUTE)
        per_minute = input_usd + output_usd
        estimates.append(
            LLMUsageCalculatorLLMResponse.model_validate(
                {
                    "llm": model,
                    "price_per_minute": round(per_minute, _USD_DIGITS),
                    "price_per_message": round(per_minute / _REPLIES_PER_MINUTE, _USD_DIGITS),
                }
            )
        )
    return LLMUsageCalculatorResponse(llm_prices=estimates)


async def calculate_for_agent(
    session: AsyncSession,
    workspace_id: str,
    agent_id: str,
    body: LLMUsageCalculatorRequest,
    prices: Mapping[str, ModelPrice],
) -> LLMUsageCalculatorResponse:
    """The calculator for a stored agent: what the body leaves out is read from the agent."""
    agent = await agents.get_agent(session, workspace_id, agent_id)
    prompt = agent.conversation_config.agent.prompt
    pages = body.number_of_pages
    if pages is None:
        size = await agents.knowledge_base_size(session, workspace_id, agent_id)
        pages = math.ceil(size.number_of_pages)
    filled = LLMUsageCalculatorPublicRequest(
        prompt_length=len(prompt.prompt) if body.prompt_length is None else body.prompt_length,
        number_of_pages=pages,
        rag_enabled=prompt.rag.enabled if body.rag_enabled is None else body.rag_enabled,
    )
    return calculate(filled, prices)
