"""Which LLM serves an agent, keyed by the `agent.prompt.llm` names of the API.

- `custom-llm` (or a prompt with `custom_llm` set) goes to the agent's own
  OpenAI-compatible server.
- A cloud name goes to the vendor `cloud_route` names for it (OpenAI, Anthropic, Google),
  when the workspace has that vendor's key.
- The default model of a new agent (`LOCAL_WHEN_UNKEYED`) and the open-weight names run on
  the embedded llama.cpp model when there is no key, so a server with no keys still
  converses; any other cloud name without a key is refused, naming the missing key.
- With no embedded model installed, the scripted LLM answers instead.
"""

import logging
from collections.abc import Callable, Mapping

from openconvai.providers.access import VENDOR_NAMES, Access, ProviderAccess, Vendor
from openconvai.providers.errors import MissingCredentials, ProviderError
from openconvai.providers.llm.base import LanguageModel
from openconvai.providers.llm.cascade import CascadingLlm
from openconvai.providers.llm.renamed import RenamedModel
from openconvai.providers.llm.scripted import ScriptedLlm
from openconvai.providers.llm.vendors import LlmVendor, cloud_route
from openconvai.providers.local import LocalModels
from openconvai.providers.shared_clients import SharedClients
from openconvai.schemas.conversation_config import PromptAgent
from openconvai.settings import Settings

logger = logging.getLogger(__name__)

CUSTOM_LLM = "custom-llm"

# Served by the embedded model when the workspace has no key for their vendor: the model
# a new agent gets by default. Every other cloud model needs its vendor's key.
LOCAL_WHEN_UNKEYED = frozenset({"gemini-2.0-flash"})

# Builds a vendor's client from the account's access and the LLM timeout in seconds.
LlmClientBuilder = Callable[[Access, float], LanguageModel]


def _openai_chat(access: Access, timeout_secs: float) -> LanguageModel:
    from openconvai.providers.llm.openai_chat import OpenAiChatLlm

    return OpenAiChatLlm(access, timeout_secs=timeout_secs)


def _anthropic_messages(access: Access, timeout_secs: float) -> LanguageModel:
    from openconvai.providers.llm.anthropic_messages import AnthropicLlm

    return AnthropicLlm(access, timeout_secs=timeout_secs)


def _gemini(access: Access, timeout_secs: float) -> LanguageModel:
    from openconvai.providers.llm.gemini import GeminiLlm

    return GeminiLlm(access, timeout_secs=timeout_secs)


def _custom_server(access: Access, timeout_secs: float) -> LanguageModel:
    from openconvai.providers.llm.compatible_chat import CompatibleChatLlm
    from openconvai.providers.llm.text_tool_calls import LenientToolCalls

    # Self-hosted models often write tool calls as JSON text: accept those too.
    return LenientToolCalls(
        CompatibleChatLlm(access, timeout_secs=timeout_secs, error_type="custom_llm_error")
    )


# The client of each vendor that `cloud_route` sends a name to.
CLOUD_LLMS: dict[LlmVendor, LlmClientBuilder] = {
    "openai": _openai_chat,
    "anthropic": _anthropic_messages,
    "google": _gemini,
}


class LlmRegistry:
    """The LLMs of one process: cloud clients per account, the embedded and scripted ones."""

    def __init__(self, settings: Settings, local: LocalModels, clients: SharedClients) -> None:
        self._settings = settings
        self._local = local
        self._clients = clients
        self.scripted = ScriptedLlm(
            reply=settings.scripted_reply,
            first_token_ms=settings.scripted_llm_first_token_ms,
            token_ms=settings.scripted_llm_token_ms,
        )

    def for_prompt(self, prompt: PromptAgent, access: ProviderAccess) -> LanguageModel:
        """The agent's LLM with its backups; `MissingCredentials` when its vendor has no key.

        `agent.prompt.backup_llm_config` (as the SDK sends it) picks the backups: `disabled`,
        `override` with an `order` of model names (those without a key are skipped), or
        `default`: the embedded model, when the agent's own model is a cloud one.
        """
        custom = uses_custom_llm(prompt)
        if custom:
            model_id = (prompt.custom_llm.model_id if prompt.custom_llm else None) or CUSTOM_LLM
            primary = self.custom(model_id, access)
        else:
            primary = self.named(prompt.llm, access)
        backups: list[LanguageModel] = []
        preference, order = _backup_llm_config(prompt)
        if preference == "override":
            for backup in order:
                try:
                    backups.append(self.named(backup, access))
                except MissingCredentials as exc:
                    logger.info("backup LLM skipped: %s", exc.message)
        elif preference != "disabled":
            local = self._local.llm()
            if local is not None and primary is not local:
                backups.append(local)
        extra = prompt.model_extra or {}
        timeout = extra.get("cascade_timeout_seconds") or self._settings.llm_timeout_secs
        return CascadingLlm(
            [primary, *(b for b in backups if b is not primary)],
            timeout_secs=float(timeout),
            error_type="custom_llm_error" if custom else "llm_error",
        )

    def check_prompt(self, prompt: PromptAgent, access: ProviderAccess) -> None:
        """Raise `MissingCredentials` if the agent's LLM needs a key nobody set."""
        if not uses_custom_llm(prompt):
            self._route(prompt.llm, access)

    def named(self, name: str, access: ProviderAccess) -> LanguageModel:
        """The model an `agent.prompt.llm` name (other than `custom-llm`) runs on."""
        route = self._route(name, access)
        if route is None:
            return self._local.llm() or self.scripted
        vendor, model_id, vendor_access = route
        build = CLOUD_LLMS[vendor]
        timeout = self._settings.llm_timeout_secs
        client = self._clients.get(vendor, vendor_access, lambda: build(vendor_access, timeout))
        return RenamedModel(client, model_id)

    def custom(self, model_id: str, access: ProviderAccess) -> LanguageModel:
        """The agent's own OpenAI-compatible server, asked for `model_id`."""
        custom = access.custom_llm
        if custom is None or not custom.base_url:
            raise ProviderError(
                "custom_llm_error", "the agent uses custom-llm but custom_llm.url is not set"
            )
        timeout = self._settings.llm_timeout_secs
        client = self._clients.get(CUSTOM_LLM, custom, lambda: _custom_server(custom, timeout))
        return RenamedModel(client, model_id)

    def _route(self, name: str, access: ProviderAccess) -> tuple[LlmVendor, str, Access] | None:
        """The vendor, model id and access a cloud LLM name needs; None if it runs locally."""
        route = cloud_route(name)
        if route is None:
            return None
        vendor, model_id = route
        vendor_access = access.vendor(vendor)
        if vendor_access is not None:
            return vendor, model_id, vendor_access
        if name in LOCAL_WHEN_UNKEYED:
            return None
        raise MissingCredentials(_missing_key(name, vendor))


def uses_custom_llm(prompt: PromptAgent) -> bool:
    """Whether the agent's own server answers: `llm` is `custom-llm` or `custom_llm` is set."""
    return prompt.custom_llm is not None or prompt.llm == CUSTOM_LLM


def _backup_llm_config(prompt: PromptAgent) -> tuple[str, tuple[str, ...]]:
    """The preference and `order` of `backup_llm_config`, a field the contract snapshot does
    not list (so it arrives as an extra field, as the SDK sends it)."""
    extra = prompt.model_extra or {}
    config = extra.get("backup_llm_config") or {}
    if not isinstance(config, Mapping):
        return "default", ()
    order = config.get("order") or ()
    return str(config.get("preference", "default")), tuple(str(name) for name in order)


def _missing_key(llm: str, vendor: Vendor) -> str:
    return (
        f"the agent's LLM {llm!r} needs a {VENDOR_NAMES[vendor]} API key: set "
        f"OPENCONVAI_{vendor.upper()}_API_KEY on the server or add a workspace secret named "
        f"{vendor.upper()}_API_KEY, or choose another LLM"
    )
