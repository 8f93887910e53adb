"""Domain errors and the one table that maps them to GraphQL error codes and HTTP statuses.

Every error a client can receive carries ``extensions.code`` (one of ``CODES``) and a message that
says what to change. Errors from the graph layer are translated here too, so nothing leaks a raw
database message.
"""

from __future__ import annotations

from typing import Any

from graph.types import GraphError, GraphTimeout, GraphUnavailable
from ontology import OntologyError


class ApiError(Exception):
    code = "INTERNAL"
    status = 500

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ApiError):
    code, status = "NOT_FOUND", 404


class Forbidden(ApiError):
    code, status = "FORBIDDEN", 403


class InvalidInput(ApiError):
    code, status = "INVALID_INPUT", 400


class LimitExceeded(ApiError):
    code, status = "LIMIT_EXCEEDED", 400


class Unauthenticated(ApiError):
    code, status = "UNAUTHENTICATED", 401


class Unavailable(ApiError):
    code, status = "UNAVAILABLE", 503


#: error class -> (code, HTTP status); domain errors of other packages are mapped here as well
CODES: dict[type[Exception], tuple[str, int]] = {
    NotFound: ("NOT_FOUND", 404),
    Forbidden: ("FORBIDDEN", 403),
    InvalidInput: ("INVALID_INPUT", 400),
    LimitExceeded: ("LIMIT_EXCEEDED", 400),
    Unauthenticated: ("UNAUTHENTICATED", 401),
    Unavailable: ("UNAVAILABLE", 503),
    OntologyError: ("INVALID_INPUT", 400),
    GraphUnavailable: ("UNAVAILABLE", 503),
    GraphTimeout: ("TIMEOUT", 504),
    ValueError: ("INVALID_INPUT", 400),
}


def classify(exc: BaseException) -> tuple[str, int, str]:
    for kind in type(exc).__mro__:
        if kind in CODES:
            code, status = CODES[kind]  # type: ignore[index]
            return code, status, str(exc)
    if isinstance(exc, GraphError):
        return "INTERNAL", 500, "the graph database refused the request; it has been logged"
    return "INTERNAL", 500, "internal error; it has been logged"
