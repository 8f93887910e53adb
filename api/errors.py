"""Domain errors and the one table that maps them to GraphQL error codes and HTTP statuses.

Every error a client can receive carries ``extensions.code`` and a message that says what to change.
An ``ApiError`` class carries its code and HTTP status; errors of other packages are mapped to one of
these classes in ``FOREIGN``, so nothing leaks a raw database message. The REST routes raise and let
the app's one exception handler (``error_response``) answer; GraphQL errors are coded by
``api.schema.annotate`` from the same table.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from api.limits import BodyTooLarge
from graph.types import GraphError, GraphTimeout, GraphUnavailable
from imaging.errors import UnknownDeclaration
from ontology import OntologyError


class ApiError(Exception):
    code = "INTERNAL"
    status = 500

    def __init__(self, message: str, *, status: int | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if status is not None:  # the same code with a more precise HTTP status (413, 504)
            self.status = status


class NotFound(ApiError):
    code, status = "NOT_FOUND", 404


class Forbidden(ApiError):
    code, status = "FORBIDDEN", 403


class InvalidInput(ApiError):
    code, status = "INVALID_INPUT", 400


class LimitExceeded(ApiError):
    code, status = "LIMIT_EXCEEDED", 400


class PayloadTooLarge(LimitExceeded):
    status = 413


class Unauthenticated(ApiError):
    code, status = "UNAUTHENTICATED", 401


class Unavailable(ApiError):
    code, status = "UNAVAILABLE", 503


class Timeout(ApiError):
    code, status = "TIMEOUT", 504


#: errors of other packages -> the API error a client sees (its code and status)
FOREIGN: dict[type[Exception], type[ApiError]] = {
    UnknownDeclaration: NotFound,
    OntologyError: InvalidInput,
    GraphUnavailable: Unavailable,
    GraphTimeout: Timeout,
    BodyTooLarge: PayloadTooLarge,
    ValueError: InvalidInput,
}


def classify(exc: BaseException) -> tuple[str, int, str]:
    """The code, HTTP status and client message of any exception."""
    if isinstance(exc, ApiError):
        return exc.code, exc.status, exc.message
    for kind in type(exc).__mro__:
        if kind in FOREIGN:
            mapped = FOREIGN[kind]
            return mapped.code, mapped.status, str(exc)
    if isinstance(exc, GraphError):
        return "INTERNAL", 500, "the graph database refused the request; it has been logged"
    return "INTERNAL", 500, "internal error; it has been logged"


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    """The REST error shape, the same as a GraphQL error: ``{"errors": [{message, extensions: {code}}]}``."""
    return {"errors": [{"message": message, "extensions": {"code": code, **details}}]}


def error_response(exc: Exception) -> JSONResponse:
    """The response for ``exc``, from the table above."""
    code, status, message = classify(exc)
    return JSONResponse(error_body(code, message, **getattr(exc, "details", {})), status_code=status)


#: the exception classes the app's handler answers (anything else is an internal error, logged)
HANDLED: tuple[type[Exception], ...] = (ApiError, *FOREIGN)
