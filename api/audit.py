"""The audit log: who did what, when, with which arguments, how it ended and how long it took.

One row per request (REST, sign-in and sign-out, GraphQL over GET, POST and websockets; ``api.trail``
collects it, ``api.middleware.AuditTrail`` writes it) and per CLI load that refused rows of another unit.
Stored in SQLite under the data directory; the API only ever appends, and only administrators read it
back (GraphQL ``auditLog``). Every row is chained to the one before it (``api.audit_chain``): editing or
deleting a row breaks the chain at that row, and ``tianji audit verify`` names it.

Writing stays cheap: one ``BEGIN IMMEDIATE`` transaction per request reads the newest row's id and hash
and inserts the new rows. The write lock of SQLite orders the writers of every worker process sharing
the file; a lock per process keeps this process's threads from waiting on SQLite's busy timeout instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from api.audit_chain import GENESIS, chain_key, digest
from api.auth import User
from tianji.core.clock import utc_now_iso
from tianji.core.db import AUDIT, side_engine
from tianji.core.settings import Settings

DOCUMENT_CHARS = 10_000  # longer documents are kept cut to this length
ARGUMENT_CHARS = 10_000  # and so are the arguments' JSON
#: argument names whose values are never stored (whatever their nesting)
SECRET = re.compile(r"pass(word|wd)?|secret|token|api_?key|authorization|cookie|csrf", re.IGNORECASE)
REDACTED = "[redacted]"

#: outcomes a row may have
OUTCOMES = ("ok", "denied", "invalid", "timed_out", "error")

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
    Column("variables", Text, nullable=False),  # GraphQL variables, or a REST call's arguments
    Column("result_size", Integer, nullable=False),
    Column("outcome", String, nullable=False),
    Column("error_codes", String),
    Column("duration_ms", Float, nullable=False),
    Column("transport", String),  # http, websocket or cli
    Column("status", Integer),  # the HTTP status answered
    Column("address", String),  # the client's address
    Column("prev_hash", String),  # row_hash of the row before (GENESIS for the first)
    Column("row_hash", String),  # keyed hash of this row's content and prev_hash
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
    transport: str = "http"
    status: int | None = None
    address: str | None = None
    at: str = field(default_factory=lambda: utc_now_iso("milliseconds"))


def redact(value: Any) -> Any:
    """``value`` with every secret-named entry (password, token, key…) replaced, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if SECRET.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "user": entry.user,
        "role": entry.role,
        "unit": entry.unit,
        "operation_type": entry.operation_type,
        "operation_name": entry.operation_name,
        "document": entry.document[:DOCUMENT_CHARS],
        "variables": json.dumps(redact(entry.variables), ensure_ascii=False, default=str)[:ARGUMENT_CHARS],
        "result_size": int(entry.result_size),
        "outcome": entry.outcome,
        "error_codes": ",".join(entry.error_codes) or None,
        "duration_ms": round(float(entry.duration_ms), 2),
        "transport": entry.transport,
        "status": entry.status,
        "address": entry.address,
    }


_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(engine: Engine) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(id(engine), threading.Lock())


_lock_files: dict[tuple[int, str], int] = {}  # by process: a forked child opens its own (flock is per open)


@contextlib.contextmanager
def _writer_turn(engine: Engine) -> Iterator[None]:
    """This process's turn at the audit file among every process appending to it (``flock`` on a file
    beside it). The kernel wakes the next writer the moment the lock is released; SQLite's own busy wait
    polls, backing off to sleeps of 25 to 100 ms, which every request waiting for its audit row waits out
    with it: with four processes appending batches of 8 (0.4 ms a commit), the slowest commit took 79 ms
    with SQLite's wait alone and 7 ms with this lock."""
    path = engine.url.database
    if not path or path == ":memory:":
        yield
        return
    with _locks_guard:
        fd = _lock_files.get((os.getpid(), path))
        if fd is None:
            try:
                fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # its folder is missing or read-only: SQLite's own error says so, next
                fd = -1
            else:
                _lock_files[(os.getpid(), path)] = fd
    if fd < 0:
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def record(engine: Engine, key: bytes, *entries: AuditEntry) -> None:
    """Append ``entries``, each chained to the row before it, in one transaction."""
    if not entries:
        return
    rows = [_row(e) for e in entries]
    with _lock(engine), _writer_turn(engine), engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the newest row cannot change until this commits
        last_id, previous = _newest(conn)
        if last_id and previous is None:
            last_id, previous = _seal(conn, key)
        for row in rows:
            last_id += 1
            row["id"] = last_id
            row["prev_hash"] = previous or GENESIS
            row["row_hash"] = previous = digest(key, row)
        conn.execute(insert(audit), rows)
        conn.commit()


class GroupCommit:
    """The audit rows of requests answered at the same moment, appended in one transaction by one thread
    per process: a request still waits until its rows are committed before it answers, but 32 clients
    cost one ``BEGIN IMMEDIATE`` (taken in turn by every worker process) per batch rather than per request."""

    def __init__(self, engine: Engine, key: bytes) -> None:
        self.engine, self.key = engine, key
        self._queue: queue.SimpleQueue[tuple[tuple[AuditEntry, ...], asyncio.AbstractEventLoop, Any]]
        self._queue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.batches = 0  # transactions written, for the bench and tests

    async def append(self, *entries: AuditEntry) -> None:
        """Return once ``entries`` are committed; the database's refusal is raised here."""
        if not entries:
            return
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._queue.put((entries, loop, done))
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._write, name="audit-writer", daemon=True)
                self._thread.start()
        await done

    def _write(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < GROUP_MAX:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            error: BaseException | None = None
            try:
                record(self.engine, self.key, *[entry for entries, _, _ in batch for entry in entries])
                self.batches += 1
            except Exception as exc:  # every waiting request is told
                error = exc
            for _, loop, done in batch:
                # a request whose loop has closed is waited for by no one any more
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, done, error)


GROUP_MAX = 256  # requests per transaction at most


def _settle(done: Any, error: BaseException | None) -> None:
    if done.cancelled():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


def _newest(conn: Connection) -> tuple[int, str | None]:
    """The id and hash of the newest row (0 and GENESIS when there is none)."""
    last = conn.execute(select(audit.c.id, audit.c.row_hash).order_by(audit.c.id.desc()).limit(1)).first()
    return (int(last[0]), last[1]) if last is not None else (0, GENESIS)


def _seal(conn: Connection, key: bytes) -> tuple[int, str | None]:
    """Chain the rows written before the chain existed (once, at the first write after the upgrade, when
    no row has a hash yet); returns the newest row's id and hash. A hashless row after chained ones is
    left as it is: ``verify`` reports it."""
    if conn.execute(select(audit.c.id).where(audit.c.row_hash.is_not(None)).limit(1)).first() is not None:
        return _newest(conn)
    previous = GENESIS
    for row in conn.execute(select(audit).order_by(audit.c.id)).mappings().all():
        content = {**row, "prev_hash": previous}
        previous = digest(key, content)
        conn.execute(
            update(audit)
            .where(audit.c.id == row["id"])
            .values(prev_hash=content["prev_hash"], row_hash=previous)
        )
    return _newest(conn)


def record_for(settings: Settings, *entries: AuditEntry) -> None:
    """``record`` on the audit log of ``settings``' data directory, keyed with its chain key."""
    record(open_audit(settings), chain_key(settings), *entries)


def entries(
    engine: Engine, *, user: str | None = None, after_id: int = 0, limit: int = 50, newest: bool = False
) -> list[dict[str, Any]]:
    """Rows after ``after_id``, oldest first (or the newest ``limit``, still oldest first)."""
    query = select(audit).where(audit.c.id > after_id)
    query = query.order_by(audit.c.id.desc() if newest else audit.c.id).limit(limit)
    if user:
        query = query.where(audit.c.user == user)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    return rows[::-1] if newest else rows


def audit_denied(settings: Settings, user: User, operation: str, denied: list[dict[str, Any]]) -> None:
    """One ``denied`` entry for a write (an ingest run) whose rows would have changed another unit's nodes,
    naming each refused row (source, line, node and the unit it belongs to)."""
    if not denied:
        return
    record_for(
        settings,
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
            transport="cli" if operation.startswith("tianji ") else "http",
        ),
    )
