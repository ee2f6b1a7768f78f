"""The error body of every non-validation error."""

from openconvai.schemas.base import ContractModel


class ErrorDetail(ContractModel):
    """A machine-readable code and a message for a person."""

    status: str
    message: str


class ErrorResponse(ContractModel):
    """`{"detail": {"status": ..., "message": ...}}`."""

    detail: ErrorDetail
