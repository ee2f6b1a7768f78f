"""The API's error shape, `{"detail": {"status": code, "message": text}}`, and its handlers."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from openconvai.schemas.errors import ErrorResponse
from openconvai.services.errors import InvalidInput, ServiceError
from openconvai.store.text_errors import UNSTORABLE_TEXT_MESSAGE, is_unstorable_text

logger = logging.getLogger(__name__)

# Documented on every authenticated route, so clients and fuzzers know each can happen.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The request cannot be carried out as sent."},
    401: {"model": ErrorResponse, "description": "Missing or invalid xi-api-key."},
    404: {"model": ErrorResponse, "description": "No such object in your workspace."},
    409: {"model": ErrorResponse, "description": "Conflicts with the current state."},
    413: {"model": ErrorResponse, "description": "The request body is too large."},
}


def error_response(status_code: int, code: str, message: str) -> JSONResponse:
    """A JSON error in the ElevenLabs business-error shape."""
    return JSONResponse(
        status_code=status_code, content={"detail": {"status": code, "message": message}}
    )


def _code_for(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return error_response(exc.status_code, exc.code, exc.message)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    response = error_response(exc.status_code, _code_for(exc.status_code), message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # FastAPI's standard 422 list, minus the echoed input: it may be huge or hold secrets.
    errors = [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": err["type"]}
        for err in exc.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": errors})


async def _invalid_input(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInput)
    return JSONResponse(status_code=422, content={"detail": exc.errors})


async def _store_error(request: Request, exc: Exception) -> JSONResponse:
    if is_unstorable_text(exc):
        return error_response(400, "invalid_text", UNSTORABLE_TEXT_MESSAGE)
    return await _unexpected_error(request, exc)


async def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "An internal error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    """Route every error the app can raise to a response in the contract's shape."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InvalidInput, _invalid_input)
    app.add_exception_handler(DBAPIError, _store_error)
    app.add_exception_handler(Exception, _unexpected_error)
