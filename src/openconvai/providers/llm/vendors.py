"""Which cloud vendor serves each `agent.prompt.llm` name, and under which model id."""

from typing import Literal

LlmVendor = Literal["openai", "anthropic", "google"]

# Open-weight models: no cloud vendor here, the local model server runs them. `custom-llm`
# is listed too: it goes to the agent's own OpenAI-compatible endpoint, never to a vendor.
SERVED_LOCALLY: frozenset[str] = frozenset(
    {
        "custom-llm",
        "qwen3-4b",
        "qwen3-30b-a3b",
        "qwen36-35b-a3b",
        "qwen35-397b-a17b",
        "gpt-oss-20b",
        "gpt-oss-120b",
        "glm-45-air-fp8",
        "glm-52",
        "deepseek-v41-flash",
        "nemotron-35-super-vl-nvfp4",
        "watt-tool-8b",
        "watt-tool-70b",
        # xAI's retired beta model; no xAI client here, so the local model answers it.
        "grok-beta",
    }
)

# The API's Claude names are not all Anthropic API ids:
# - names with "@date" are Vertex AI ids; the Anthropic API spells the same snapshot
#   "name-date" (and has no "v2" in its 3.5 Sonnet ids);
# - "claude-3-5-sonnet-v1" is the first 3.5 Sonnet, the 2024-06-20 snapshot;
# - Claude 3 and 3.5/3.7 names without a date get the "-latest" alias where Anthropic
#   published one, the dated snapshot otherwise (Claude 3 Haiku never had an alias);
# - "claude-sonnet-4" gets its only snapshot: Anthropic published no dateless alias for
#   it other than "claude-sonnet-4-0", and the dated id is what the API documents;
# - from Claude 4.5 on, the dateless name is itself a valid, stable API id.
_ANTHROPIC_IDS: dict[str, str] = {
    "claude-3-haiku": "claude-3-haiku-20240307",
    "claude-3-5-sonnet": "claude-3-5-sonnet-latest",
    "claude-3-5-sonnet-v1": "claude-3-5-sonnet-20240620",
    "claude-3-7-sonnet": "claude-3-7-sonnet-latest",
    "claude-sonnet-4": "claude-sonnet-4-20250514",
    "claude-sonnet-4-5": "claude-sonnet-4-5",
    "claude-sonnet-4-6": "claude-sonnet-4-6",
    "claude-sonnet-5": "claude-sonnet-5",
    "claude-sonnet-5-5": "claude-sonnet-5-5",
    "claude-haiku-4-5": "claude-haiku-4-5",
    "claude-haiku-5-5": "claude-haiku-5-5",
    "claude-opus-4-6": "claude-opus-4-6",
    "claude-opus-4-7": "claude-opus-4-7",
    "claude-opus-4-8": "claude-opus-4-8",
    "claude-opus-5": "claude-opus-5",
    "claude-opus-5-5": "claude-opus-5-5",
    "claude-3-haiku@20240307": "claude-3-haiku-20240307",
    "claude-3-5-sonnet@20240620": "claude-3-5-sonnet-20240620",
    "claude-3-5-sonnet-v2@20241022": "claude-3-5-sonnet-20241022",
    "claude-3-7-sonnet@20250219": "claude-3-7-sonnet-20250219",
    "claude-sonnet-4@20250514": "claude-sonnet-4-20250514",
    "claude-sonnet-4-5@20250929": "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5@20251001": "claude-haiku-4-5-20251001",
}


def cloud_route(llm: str) -> tuple[LlmVendor, str] | None:
    """The vendor and vendor model id serving `llm`; None when no cloud vendor does.

    OpenAI and Gemini names are the vendors' own ids (dated OpenAI snapshots included);
    Claude names are translated; open-weight names, `custom-llm` and unknown names get None.
    """
    if llm in SERVED_LOCALLY:
        return None
    if llm in _ANTHROPIC_IDS:
        return "anthropic", _ANTHROPIC_IDS[llm]
    if llm.startswith("gpt-") and not llm.startswith("gpt-oss"):
        return "openai", llm
    if llm.startswith("gemini-"):
        return "google", llm
    return None
