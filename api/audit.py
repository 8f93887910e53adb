"""The audit log: who ran which query or mutation, when, with what variables, how big the answer, outcome.

Stored durably in SQLite (WAL, full sync) under the data directory; the API only ever appends, and only
administrators can read it back (GraphQL ``auditLog``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
)

from api.auth import User
from tianji.core.clock import utc_now_iso
from tianji.core.db import AUDIT, side_engine
from tianji.core.settings import Settings

DOCUMENT_CHARS = 10_000  # longer documents are kept cut to this length
metadata = MetaData()
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String, nullable=False, index=True),
    Column("user", String, nullable=False, index=True),
    Column("role", String, nullable=False),
    Column("unit", String, nullable=False),
    Column("operation_type", String, nullable=False),
    Column("operation_name", String),
    Column("document", Text, nullable=False),
    Column("variables", Text, nullable=False),
    Column("result_size", Integer, nullable=False),
    Column("outcome", String, nullable=False),
    Column("error_codes", String),
    Column("duration_ms", Float, nullable=False),
)


def open_audit(settings: Settings) -> Engine:
    # WAL with normal sync: an entry survives a crash of the process without an fsync per request
    return side_engine(settings, AUDIT)


@dataclass
class AuditEntry:
    user: str
    role: str
    unit: str
    operation_type: str
    operation_name: str | None
    document: str
    variables: dict[str, Any]
    result_size: int
    outcome: str
    error_codes: list[str]
    duration_ms: float


def record(engine: Engine, entry: AuditEntry) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(audit).values(
                at=utc_now_iso("milliseconds"),
                user=entry.user,
                role=entry.role,
                unit=entry.unit,
                operation_type=entry.operation_type,
                operation_name=entry.operation_name,
                document=entry.document[:DOCUMENT_CHARS],
                variables=json.dumps(entry.variables, ensure_ascii=False, default=str)[:10_000],
                result_size=entry.result_size,
                outcome=entry.outcome,
                error_codes=",".join(entry.error_codes) or None,
                duration_ms=round(entry.duration_ms, 2),
            )
        )


def entries(
    engine: Engine, *, user: str | None = None, after_id: int = 0, limit: int = 50
) -> list[dict[str, Any]]:
    query = select(audit).where(audit.c.id > after_id).order_by(audit.c.id).limit(limit)
    if user:
        query = query.where(audit.c.user == user)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def audit_denied(engine: Engine, user: User, operation: str, denied: list[dict[str, Any]]) -> None:
    """One ``denied`` entry for a write (an ingest run) whose rows would have changed another unit's nodes,
    naming each refused row (source, line, node and the unit it belongs to)."""
    if not denied:
        return
    record(
        engine,
        AuditEntry(
            user=user.name,
            role=user.role,
            unit=user.unit,
            operation_type="ingest",
            operation_name=operation,
            document=operation,
            variables={"refused": len(denied), "rows": denied[:100]},
            result_size=0,
            outcome="denied",
            error_codes=["FORBIDDEN"],
            duration_ms=0.0,
        ),
    )
