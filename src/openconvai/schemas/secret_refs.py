"""References to values resolved at call time instead of stored inline.

Request headers of webhooks (tool webhooks, the conversation-initiation webhook, custom
LLMs) may name a workspace secret, a dynamic variable or an environment variable in place
of a literal string, so credentials never appear in an agent's config.
"""

from pydantic import Field

from openconvai.schemas.base import ContractModel


class ConvAISecretLocator(ContractModel):
    """A reference to a workspace secret (see `/v1/convai/secrets`)."""

    secret_id: str = Field(description="Id of the stored workspace secret.")


class ConvAIDynamicVariable(ContractModel):
    """A reference to a dynamic variable of the conversation."""

    variable_name: str = Field(description="Name of the dynamic variable.")


class ConvAIEnvVarLocator(ContractModel):
    """A reference to an environment variable (SDK 2.78; not in the OA snapshot)."""

    env_var_label: str = Field(description="Label of the environment variable.")


__all__ = ["ConvAIDynamicVariable", "ConvAIEnvVarLocator", "ConvAISecretLocator"]
