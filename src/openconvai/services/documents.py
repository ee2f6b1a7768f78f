"""Validation of stored JSON documents through their public models."""

from typing import Any

from pydantic import BaseModel, ValidationError

from openconvai.services.errors import InvalidInput


def normalised(model: type[BaseModel], document: Any, loc: tuple[str, ...]) -> dict[str, Any]:
    """`document` validated by `model` and dumped with every default filled in.

    On failure, raises `InvalidInput` whose error locations start at `loc` (where the
    document sits in the request body).
    """
    try:
        return model.model_validate(document).model_dump(mode="json")
    except ValidationError as exc:
        raise InvalidInput(
            [
                {"loc": [*loc, *err["loc"]], "msg": err["msg"], "type": err["type"]}
                for err in exc.errors()
            ]
        ) from exc
