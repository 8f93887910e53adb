"""Domain errors and the one table that maps them to GraphQL error codes and HTTP statuses.

Every error a client can receive carries ``extensions.code`` and a message that says what to change.
An ``ApiError`` class carries its code and HTTP status; errors of other packages are mapped to one of
these classes in ``FOREIGN``, so nothing leaks a raw database message. The REST routes raise and let
the app's one exception handler (``handle``) answer; GraphQL errors are coded by ``api.schema.annotate``
from the same table. Every message a client sees passes ``sanitise`` here: no server paths, file names or
object representations leave the server.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
from fastapi.responses import JSONResponse
from starlette.requests import Request

from api.limits import BodyTooLarge
from api.trail import note_code
from graph.types import GraphError, GraphTimeout, GraphUnavailable
from imaging.errors import UnknownDeclaration
from ontology import OntologyError
from tracks.analysis import UnknownZone


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


class RateLimited(ApiError):
    """Too many attempts (failed sign-ins); ``retry_after`` seconds until the next one is heard."""

    code, status = "RATE_LIMITED", 429


#: errors of other packages -> the API error a client sees (its code and status)
FOREIGN: dict[type[Exception], type[ApiError]] = {
    UnknownDeclaration: NotFound,
    UnknownZone: NotFound,
    OntologyError: InvalidInput,
    GraphUnavailable: Unavailable,
    GraphTimeout: Timeout,
    BodyTooLarge: PayloadTooLarge,
    ValueError: InvalidInput,
    duckdb.ConversionException: InvalidInput,  # a track query's date or time that is not one
}


#: what must not reach a client: object representations, then absolute paths (POSIX or Windows)
_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
_PATH = re.compile(r"(?<![\w:/.])(?:/[\w.@+-]+){2,}/?|\b[A-Za-z]:\\[^\s'\"]+")


def sanitise(message: str) -> str:
    """``message`` without object representations and server paths (a file keeps only its name)."""
    message = re.sub(r"  +", " ", _REPR.sub("", message)).strip()
    return _PATH.sub(lambda m: _last(m.group(0)), message)


def _last(path: str) -> str:
    name = re.split(r"[\\/]", path.rstrip("/\\"))[-1]
    return f"…/{name}" if name else "…"


def classify(exc: BaseException) -> tuple[str, int, str]:
    """The code, HTTP status and client message of any exception."""
    if isinstance(exc, ApiError):
        return exc.code, exc.status, sanitise(exc.message)
    for kind in type(exc).__mro__:
        if kind in FOREIGN:
            mapped = FOREIGN[kind]
            return mapped.code, mapped.status, sanitise(str(exc))
    if isinstance(exc, GraphError):
        return "INTERNAL", 500, "the graph database refused the request; it has been logged"
    return "INTERNAL", 500, "internal error; it has been logged"


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    """The REST error shape, the same as a GraphQL error: ``{"errors": [{message, extensions: {code}}]}``."""
    return {"errors": [{"message": message, "extensions": {"code": code, **details}}]}


def error_response(exc: Exception, request: Request | None = None) -> JSONResponse:
    """The response for ``exc``, from the table above (its code noted in the request's audit trail)."""
    code, status, message = classify(exc)
    details = getattr(exc, "details", {}) if isinstance(exc, ApiError) else {}
    response = JSONResponse(error_body(code, message, **details), status_code=status)
    if isinstance(exc, RateLimited) and "retry_after" in details:
        response.headers["Retry-After"] = str(details["retry_after"])
    if request is not None:
        note_code(request.scope, code)
    return response


async def handle(request: Request, exc: Exception) -> JSONResponse:
    """The app's exception handler, for every class of ``HANDLED`` and for anything else (then INTERNAL)."""
    return error_response(exc, request)


#: the exception classes the app's handler answers (anything else is an internal error, logged)
HANDLED: tuple[type[Exception], ...] = (ApiError, *FOREIGN)
