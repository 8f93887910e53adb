"""The review queue: matches between the review and accept thresholds, and the decisions taken on them.

Decisions (confirm = must link, reject = cannot link) are kept in SQLite and respected by every later run;
each is logged with who took it and can be reversed by taking the opposite decision.
"""

from __future__ import annotations

import datetime as dt
import json
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
    create_engine,
    insert,
    select,
    update,
)

from ingest.resolution.resolve import Pair
from tianji.settings import Settings

metadata = MetaData()
queue = Table(
    "review",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String, nullable=False),
    Column("a", String, nullable=False),
    Column("b", String, nullable=False),
    Column("score", Float, nullable=False),
    Column("features", Text, nullable=False),
    Column("status", String, nullable=False),  # open, confirmed, rejected
    Column("decided_by", String),
    Column("decided_at", String),
)
log = Table(
    "review_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item", Integer, nullable=False),
    Column("at", String, nullable=False),
    Column("user", String, nullable=False),
    Column("decision", String, nullable=False),
)


def open_review(settings: Settings) -> Engine:
    engine = create_engine(f"sqlite:///{settings.path('resolution.sqlite')}", connect_args={"timeout": 30})
    metadata.create_all(engine)
    return engine


def enqueue(engine: Engine, kind: str, pairs: list[Pair]) -> int:
    added = 0
    with engine.begin() as conn:
        known = {(r.a, r.b) for r in conn.execute(select(queue.c.a, queue.c.b).where(queue.c.kind == kind))}
        for pair in pairs:
            if pair.decision == "review" and (pair.a, pair.b) not in known:
                conn.execute(
                    insert(queue).values(
                        kind=kind,
                        a=pair.a,
                        b=pair.b,
                        score=pair.score,
                        features=json.dumps(pair.features),
                        status="open",
                    )
                )
                added += 1
    return added


def items(
    engine: Engine, kind: str | None = None, status: str | None = "open", limit: int = 100
) -> list[dict[str, Any]]:
    query = select(queue).order_by(queue.c.score.desc()).limit(limit)
    if kind:
        query = query.where(queue.c.kind == kind)
    if status:
        query = query.where(queue.c.status == status)
    with engine.connect() as conn:
        return [{**r, "features": json.loads(r["features"])} for r in conn.execute(query).mappings()]


def decide(engine: Engine, item: int, decision: str, user: str) -> dict[str, Any]:
    if decision not in ("confirmed", "rejected", "open"):
        raise ValueError("decision is confirmed, rejected or open (to reopen)")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with engine.begin() as conn:
        done = conn.execute(
            update(queue).where(queue.c.id == item).values(status=decision, decided_by=user, decided_at=now)
        )
        if not done.rowcount:
            raise KeyError(f"no review item {item}")
        conn.execute(insert(log).values(item=item, at=now, user=user, decision=decision))
        return dict(conn.execute(select(queue).where(queue.c.id == item)).mappings().one())


def decisions(engine: Engine, kind: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(queue.c.a, queue.c.b, queue.c.status).where(queue.c.kind == kind)).all()
    return ([(a, b) for a, b, s in rows if s == "confirmed"], [(a, b) for a, b, s in rows if s == "rejected"])
