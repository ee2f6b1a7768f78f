"""Base classes shared by every public API model."""

import types
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, model_validator


class ContractModel(BaseModel):
    """A model of the ElevenLabs contract.

    Unknown fields are kept, not rejected: both official SDKs are newer than any snapshot
    of the contract and send fields it does not list, and those must round-trip. Types are
    strict, as the JSON schema states them: `0` is no boolean and `"5"` no number. The one
    leniency is JSON Schema's own: an integral number such as `10.0` is an integer.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _integral_numbers_are_integers(cls, data: Any) -> Any:
        names = _integer_fields(cls)
        if not names or not isinstance(data, dict):
            return data
        if not any(isinstance(data.get(name), float) for name in names):
            return data
        return {
            key: int(value)
            if key in names and isinstance(value, float) and value.is_integer()
            else value
            for key, value in data.items()
        }


@cache
def _integer_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name for name, field in model.model_fields.items() if _admits_int(field.annotation)
    )


def _admits_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _admits_int(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        args = get_args(annotation)
        return int in args and float not in args
    return False
