"""Errors a service raises; the API turns each into its HTTP status and error shape."""


class ServiceError(Exception):
    """A business error with an HTTP status, a machine-readable code and a human message."""

    status_code = 400

    def __init__(self, code: str, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class NotFound(ServiceError):
    """The object does not exist, or belongs to another workspace (indistinguishable)."""

    status_code = 404


class Conflict(ServiceError):
    """The request clashes with the current state (a name taken, a secret in use)."""

    status_code = 409


class BadRequest(ServiceError):
    """The request is well-formed but cannot be carried out as asked."""

    status_code = 400


class Unauthorized(ServiceError):
    """No valid API key."""

    status_code = 401


class InvalidInput(Exception):
    """A document failed validation after server-side processing (e.g. a merged PATCH).

    Carries pydantic-style errors; the API reports them as a 422 like any request error.
    """

    def __init__(self, errors: list[dict[str, object]]) -> None:
        super().__init__("invalid input")
        self.errors = errors
