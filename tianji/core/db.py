"""The small SQLite databases beside the graph: one shared engine per file, its schema kept by migrations.

Each side database (users, audit, case files, custom tags, alert outbox, resolution review; the
scheduler's job store beside them) is opened through :func:`side_engine`. The first open in a process
creates the engine (WAL: readers never block the writer), brings the schema to the newest Alembic
revision under ``tianji/core/migrations/<name>/`` and keeps the engine; every later open returns the
same engine. A database created before migrations existed is adopted: the initial revisions create
only the tables that are missing, so nothing already stored is touched.

Tests that give each case its own data directory call :func:`dispose_engines` to close them.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CursorResult, Engine, create_engine, event

from tianji.core.settings import Settings

MIGRATIONS = "tianji.core:migrations"


@dataclass(frozen=True)
class SideDatabase:
    """One side database: its migrations folder (``name``), its file under the data directory, and how
    hard each commit is synced (``FULL`` survives a power cut; ``NORMAL`` a crash of the process)."""

    name: str
    filename: str
    synchronous: str = "FULL"


USERS = SideDatabase("users", "users.sqlite")
AUDIT = SideDatabase("audit", "audit.sqlite", synchronous="NORMAL")
CASE_FILES = SideDatabase("casefiles", "casefiles.sqlite")
CUSTOM_TAGS = SideDatabase("customtags", "customtags.sqlite")
OUTBOX = SideDatabase("alerts", "alerts.sqlite")
REVIEW = SideDatabase("resolution", "resolution.sqlite")
SIDE_DATABASES = (USERS, AUDIT, CASE_FILES, CUSTOM_TAGS, OUTBOX, REVIEW)
JOBS_FILE = "jobs.sqlite"
WAL_SWITCH_S = 30.0

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row one INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the statement inserted no row")
    return int(key[0])


def side_engine(settings: Settings, database: SideDatabase) -> Engine:
    """The process's engine on ``database`` under the settings' data directory, migrated to head."""
    return sqlite_engine(settings.path(database.filename), database)


def sqlite_engine(path: Path, database: SideDatabase | None = None, *, synchronous: str = "FULL") -> Engine:
    """The shared engine on the SQLite file at ``path``; with ``database``, its schema at head."""
    key = f"sqlite:///{path.resolve()}"
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _wal_engine(key, database.synchronous if database else synchronous)
            if database is not None:
                upgrade(engine, database)
            _engines[key] = engine
        return engine


def url_engine(url: str) -> Engine:
    """The shared engine on any SQLAlchemy URL (a SQLite file gets the same WAL pragmas); no migrations:
    for stores that manage their own tables, as the scheduler's job store does."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return sqlite_engine(Path(url.removeprefix("sqlite:///")))
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every shared engine and forget it (the next open creates and checks it afresh)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _wal_engine(url: str, synchronous: str) -> Engine:
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"unknown SQLite synchronous mode {synchronous!r}")
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _record: Any) -> None:
        cursor = conn.cursor()
        _enter_wal(cursor)
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    return engine


def _enter_wal(cursor: Any, *, within_s: float = WAL_SWITCH_S) -> None:
    """Put the file in WAL mode. Switching a new file needs its exclusive lock, and SQLite answers "database
    is locked" at once, without waiting out the busy timeout, while another process holds the file (it is
    switching or migrating it at the same moment): retried until ``within_s`` has passed."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def alembic_config(database: SideDatabase) -> Config:
    """The Alembic configuration of one side database (its own version folder and version table)."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.set_main_option("version_locations", f"{MIGRATIONS}/{database.name}")
    config.set_main_option("path_separator", "newline")
    return config


def head(database: SideDatabase) -> str | None:
    """The newest revision of ``database``'s migrations."""
    return ScriptDirectory.from_config(alembic_config(database)).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision the database at ``engine`` is at (None before its first migration)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, database: SideDatabase) -> None:
    """Bring the database to its newest revision. The write lock is taken first (``BEGIN IMMEDIATE``), so
    two processes opening a new file at once migrate it once: the second finds it at head."""
    newest = head(database)
    if newest is None:
        raise RuntimeError(f"no migrations found for the {database.name} database under {MIGRATIONS}")
    if current(engine) == newest:
        return
    config = alembic_config(database)
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()
