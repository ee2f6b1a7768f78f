"""Base classes shared by every public API model."""

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    """A model of the ElevenLabs contract.

    Unknown fields are kept, not rejected: both official SDKs are newer than any snapshot
    of the contract and send fields it does not list, and those must round-trip.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class StrictModel(BaseModel):
    """A request model whose unknown fields are a client mistake worth reporting."""

    model_config = ConfigDict(extra="forbid")
