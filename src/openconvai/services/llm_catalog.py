"""The LLMs an agent may name in `prompt.llm`, with their limits, for `GET /v1/convai/llm/list`.

Every name of the API's `LLM` enum is served: a cloud model by its vendor (with the
workspace's key), an open-weight name by the embedded local model, `custom-llm` by the
agent's own server. A name served locally has the local model's context window.
"""

import re
from dataclasses import dataclass
from typing import get_args

from openconvai.providers.llm.vendors import cloud_route
from openconvai.schemas.conversation_config import LLM
from openconvai.schemas.llms import LlmDeprecationConfig, LlmInfo, LlmListResponse

# A dated or numbered snapshot: "@20250514", "-2025-08-07", "-0613", "-001", "-preview-05-20".
_CHECKPOINT = re.compile(r"(@\d{8}|-\d{4}-\d{2}-\d{2}|-\d{4}|-\d{3}|-preview-\d{2}-\d{2,4})$")

# Nothing is scheduled for retirement here; these are the timings one would get.
DEFAULT_DEPRECATION = LlmDeprecationConfig(
    warning_start_days=30,
    fallback_start_days=14,
    fallback_complete_days=0,
    fallback_start_percentage=10,
    fallback_complete_percentage=100,
)


@dataclass(frozen=True)
class _Limits:
    context: int
    output: int


# The vendors' published limits by name prefix; the first prefix that matches wins.
_CLOUD_LIMITS: tuple[tuple[str, _Limits], ...] = (
    ("gpt-3.5-turbo", _Limits(16_385, 4_096)),
    ("gpt-4-turbo", _Limits(128_000, 4_096)),
    ("gpt-4o", _Limits(128_000, 16_384)),
    ("gpt-4.1", _Limits(1_047_576, 32_768)),
    ("gpt-4", _Limits(8_192, 8_192)),
    ("gpt-", _Limits(400_000, 128_000)),
    ("gemini-1.5-pro", _Limits(2_097_152, 8_192)),
    ("gemini-1.5", _Limits(1_048_576, 8_192)),
    ("gemini-2.0", _Limits(1_048_576, 8_192)),
    ("gemini-", _Limits(1_048_576, 65_536)),
    ("claude-3-haiku", _Limits(200_000, 4_096)),
    ("claude-3-5", _Limits(200_000, 8_192)),
    ("claude-", _Limits(200_000, 64_000)),
)
# `custom-llm` is whatever the agent's server is; these are common OpenAI-compatible limits.
_CUSTOM_LIMITS = _Limits(128_000, 16_384)
_FALLBACK_LIMITS = _Limits(128_000, 8_192)


def list_llms(local_context: int) -> LlmListResponse:
    """Every model name agents may use; `local_context` is the embedded model's window."""
    return LlmListResponse(
        llms=[_info(name, local_context) for name in get_args(LLM)],
        default_deprecation_config=DEFAULT_DEPRECATION,
    )


def _info(name: str, local_context: int) -> LlmInfo:
    cloud = cloud_route(name) is not None
    limits = _limits(name, cloud, local_context)
    return LlmInfo(
        llm=name,  # type: ignore[arg-type]  # a member of LLM, from get_args
        is_checkpoint=bool(_CHECKPOINT.search(name)),
        max_tokens_limit=limits.output,
        max_context_limit=limits.context,
        # Conversations here take no file inputs yet, whatever the model could read.
        supports_image_input=False,
        supports_document_input=False,
        supports_parallel_tool_calls=cloud or name == "custom-llm",
        # Neither reasoning effort nor service tier is passed on to any model yet.
        available_reasoning_efforts=None,
        available_service_tiers=["standard"],
    )


def _limits(name: str, cloud: bool, local_context: int) -> _Limits:
    if name == "custom-llm":
        return _CUSTOM_LIMITS
    if not cloud:
        return _Limits(local_context, local_context)
    for prefix, limits in _CLOUD_LIMITS:
        if name.startswith(prefix):
            return limits
    return _FALLBACK_LIMITS
