"""LLM usage calculator: the expected LLM cost of a minute of conversation, per model."""

from pydantic import Field

from openconvai.schemas.base import ContractModel
from openconvai.schemas.conversation_config import LLM

# Far beyond any real prompt or knowledge base; bounds keep the arithmetic finite.
MAX_PROMPT_LENGTH = 100_000_000
MAX_NUMBER_OF_PAGES = 10_000_000

_PROMPT_LENGTH = "Length of the prompt in characters."
_NUMBER_OF_PAGES = "Pages of content in PDF documents or URLs in the agent's knowledge base."
_RAG_ENABLED = "Whether RAG is enabled."


class LLMUsageCalculatorRequest(ContractModel):
    """Body of `POST /v1/convai/agent/{agent_id}/llm-usage/calculate`.

    A field left out (or null) is taken from the stored agent.
    """

    prompt_length: int | None = Field(
        default=None, ge=0, le=MAX_PROMPT_LENGTH, description=_PROMPT_LENGTH
    )
    number_of_pages: int | None = Field(
        default=None, ge=0, le=MAX_NUMBER_OF_PAGES, description=_NUMBER_OF_PAGES
    )
    rag_enabled: bool | None = Field(default=None, description=_RAG_ENABLED)


class LLMUsageCalculatorPublicRequest(ContractModel):
    """Body of `POST /v1/convai/llm-usage/calculate`."""

    prompt_length: int = Field(ge=0, le=MAX_PROMPT_LENGTH, description=_PROMPT_LENGTH)
    number_of_pages: int = Field(ge=0, le=MAX_NUMBER_OF_PAGES, description=_NUMBER_OF_PAGES)
    rag_enabled: bool = Field(description=_RAG_ENABLED)


class LLMUsageCalculatorLLMResponse(ContractModel):
    """The expected cost of one model."""

    llm: LLM
    price_per_minute: float = Field(description="Expected USD per minute of conversation.")
    # Not in the OA; SDK 2.78 requires it.
    price_per_message: float = Field(description="Expected USD per agent reply.")


class LLMUsageCalculatorResponse(ContractModel):
    """The expected cost of every model with a known price."""

    llm_prices: list[LLMUsageCalculatorLLMResponse]
