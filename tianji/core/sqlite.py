"""The small SQLite databases beside the graph (users, audit, outbox, review, job store): one way to open them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event


def sqlite_engine(path: Path, metadata: MetaData, *, synchronous: str = "FULL") -> Engine:
    """An engine on ``path`` in WAL mode (readers never block the writer) with its tables created."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _record: Any) -> None:
        cursor = conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    metadata.create_all(engine)
    return engine
