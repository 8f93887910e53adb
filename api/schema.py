"""The one GraphQL schema: the modules of ``api.graphql.MODULES`` merged, with limits and audit."""

from __future__ import annotations

import functools
import importlib
import re
import time
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types

from api.audit import AuditEntry, record
from api.audit_chain import chain_key
from api.bounds import UserConcurrency, WorkLimiter
from api.errors import classify, sanitise
from api.graphql import MODULES
from api.trail import Operation, outcome_of, trail_of
from api.types import NODE_TYPES
from tianji.core.settings import Settings

_SUGGESTION = re.compile(r" ?Did you mean .*\?$")
_LIMITS = re.compile(r"exceeds maximum operation depth|aliases found|more than \d+ tokens|too complex")


def _parts(kind: str) -> list[type]:
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        if hasattr(module, kind):
            found.append(getattr(module, kind))
    return found


def annotate(error: GraphQLError, settings: Settings) -> str:
    """Give ``error`` its ``extensions.code`` and an actionable message (no suggestions in production)."""
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        code, _, message = classify(original)
        error.message = message
        error.extensions = {"code": code, **(getattr(original, "details", None) or {})}
    elif not (error.extensions or {}).get("code"):
        code = "LIMIT_EXCEEDED" if _LIMITS.search(error.message) else "INVALID_INPUT"
        error.extensions = {**(error.extensions or {}), "code": code}
    if not settings.introspection:
        error.message = _SUGGESTION.sub("", error.message)
    error.message = sanitise(error.message)
    return str((error.extensions or {}).get("code", "INTERNAL"))


class ErrorCodes(SchemaExtension):
    """Every error gets ``extensions.code`` (errors of cached parsing and validation are coded again by the
    router, see ``api.routes.graphql.Router.process_result``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = (
            (result.errors if result is not None else None)
            or self.execution_context.pre_execution_errors
            or []
        )
        for error in errors:
            annotate(error, self.settings)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result of a subscription (or of an operation over a websocket) gets its codes too."""
        for error in getattr(result, "errors", None) or []:
            annotate(error, self.settings)
        yield


class Audit(SchemaExtension):
    """Each operation's part of the audit: its type, name, document, variables, codes and result size.

    Over HTTP the operation joins its request's trail (``api.trail``), written once by
    ``api.middleware.AuditTrail`` with the request's user, status and duration; a websocket operation is
    written here when it ends (a subscription: when it is completed or its connection closes), as is one
    run without a request (``schema.execute`` in a job or a test)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        context = self.execution_context.context
        request = getattr(context, "request", None)
        trail = trail_of(request.scope) if request is not None else None
        operation = Operation(
            operation_type="invalid",
            operation_name=self.execution_context.operation_name,
            document=self.execution_context.query or "",
            variables=self.execution_context.variables or {},
        )
        if trail is not None:
            trail.operations.append(operation)
        try:
            yield
        finally:
            if context is not None and hasattr(context, "user"):
                self._finish(context, operation)
                if trail is None:
                    self._write(context, operation, time.perf_counter() - started)

    def _finish(self, context: Any, operation: Operation) -> None:
        result = self.execution_context.result
        errors = (
            (result.errors if result is not None else None)
            or self.execution_context.pre_execution_errors
            or []
        )
        operation.codes = sorted({annotate(e, context.services.settings) for e in errors})
        try:
            operation.operation_type = self.execution_context.operation_type.value
        except (RuntimeError, AttributeError):
            operation.operation_type = "invalid"
        operation.operation_name = self.execution_context.operation_name
        operation.result_size = getattr(context, "result_size", 0)
        operation.done = True

    def _write(self, context: Any, operation: Operation, seconds: float) -> None:
        user, services = context.user, context.services
        request = getattr(context, "request", None)
        client = getattr(request, "client", None)
        record(
            services.audit,
            chain_key(services.settings),
            AuditEntry(
                user=user.name,
                role=user.role,
                unit=user.unit,
                operation_type=operation.operation_type,
                operation_name=operation.operation_name,
                document=operation.document,
                variables=operation.variables,
                result_size=operation.result_size,
                outcome=outcome_of(operation.codes),
                error_codes=operation.codes,
                duration_ms=seconds * 1000,
                transport="websocket" if request is not None else "direct",
                address=client.host if client is not None else None,
            ),
        )


class Schema(strawberry.Schema):
    """Logs only unexpected errors: a client's mistake (not found, forbidden, bad input) is not a fault."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        unexpected = [
            e
            for e in errors
            if e.original_error is not None and classify(e.original_error)[0] in ("INTERNAL", "UNAVAILABLE")
        ]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings) -> strawberry.Schema:
    query = merge_types("Query", tuple(_parts("Query")))
    mutation = merge_types("Mutation", tuple(_parts("Mutation")))
    subscriptions = _parts("Subscription")
    subscription = merge_types("Subscription", tuple(subscriptions)) if subscriptions else None
    extensions: list[Any] = [
        ParserCache(maxsize=1024),
        ValidationCache(maxsize=1024),
        QueryDepthLimiter(max_depth=settings.api_max_depth),
        MaxAliasesLimiter(max_alias_count=settings.api_max_aliases),
        MaxTokensLimiter(max_token_count=settings.api_max_tokens),
        # bounds on size arguments and the document's cost, then the user's running operations, before any
        # resolver runs (factories: one instance per operation)
        functools.partial(WorkLimiter, settings),
        functools.partial(UserConcurrency, settings),
        Audit,  # listed before ErrorCodes so that it sees the codes (extensions unwind in reverse)
        ErrorCodes(settings),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection())
    return Schema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=list(NODE_TYPES.values()),
        extensions=extensions,
    )


def export_sdl(settings: Settings | None = None) -> str:
    return build_schema(settings or Settings()).as_str() + "\n"
