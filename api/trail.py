"""What one request leaves in the audit log, collected while it runs: who, what, with which arguments.

``api.middleware.AuditTrail`` puts a ``Trail`` in the scope of every audited HTTP request and writes it
when the response starts (or the request fails). Along the way the user dependency (``api.deps``) names
the user, the GraphQL extension (``api.schema.Audit``) adds each operation with its codes, and a route may
name its operation and arguments (sign-in, sign-out, ingest). What nobody filled in comes from the
request itself: the route's method and path template, its path and query parameters, the HTTP status.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.types import Scope

if TYPE_CHECKING:  # the user type only: api.auth imports the error table, which notes codes here
    from api.auth import User

SCOPE_KEY = "tianji.audit"

#: the outcome of an error code (the worst code of a request decides its outcome)
CODE_OUTCOMES: dict[str, str] = {
    "UNAUTHENTICATED": "denied",
    "FORBIDDEN": "denied",
    "RATE_LIMITED": "denied",
    "TIMEOUT": "timed_out",
    "INTERNAL": "error",
    "UNAVAILABLE": "error",
}
#: outcomes from the least to the most serious
SEVERITY = ("ok", "invalid", "denied", "timed_out", "error")


def outcome_of(codes: list[str] | set[str], status: int | None = None) -> str:
    """The outcome of a request from its error codes (any other code: ``invalid``) and HTTP status."""
    outcomes = [CODE_OUTCOMES.get(c, "invalid") for c in codes]
    if status is not None:
        outcomes.append(status_outcome(status))
    return max(outcomes, key=SEVERITY.index, default="ok")


def status_outcome(status: int) -> str:
    if status in (401, 403, 429):
        return "denied"
    if status == 504:
        return "timed_out"
    if status >= 500:
        return "error"
    if status >= 400:
        return "invalid"
    return "ok"


@dataclass
class Operation:
    """One GraphQL operation of a request (a request may carry a batch)."""

    operation_type: str
    operation_name: str | None
    document: str
    variables: dict[str, Any]
    codes: list[str] = field(default_factory=list)
    result_size: int = 0
    done: bool = False


@dataclass
class Trail:
    started: float = field(default_factory=time.perf_counter)
    user: User | None = None
    address: str | None = None
    operation_type: str = "http"
    operation_name: str | None = None
    arguments: dict[str, Any] | None = None
    codes: list[str] = field(default_factory=list)
    outcome: str | None = None  # set by a route that knows better than the status (a refused ingest)
    operations: list[Operation] = field(default_factory=list)

    def name(
        self, operation_type: str, operation_name: str | None = None, arguments: dict[str, Any] | None = None
    ) -> None:
        """Say what this request is (e.g. ``sign_in``), and its arguments (secrets are never stored)."""
        self.operation_type = operation_type
        if operation_name is not None:
            self.operation_name = operation_name
        if arguments is not None:
            self.arguments = arguments


def trail_of(scope: Scope) -> Trail | None:
    """The trail of the request of ``scope``, or None when it is not audited here (a websocket)."""
    found = scope.get(SCOPE_KEY)
    return found if isinstance(found, Trail) else None


def attribute(scope: Scope, user: User) -> None:
    """Record who the request is from (called by the user dependency once it knows)."""
    trail = trail_of(scope)
    if trail is not None:
        trail.user = user


def note_code(scope: Scope, code: str) -> None:
    """Record the error code a request is answered with."""
    trail = trail_of(scope)
    if trail is not None and code not in trail.codes:
        trail.codes.append(code)
