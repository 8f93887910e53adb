"""The delivery outbox: every message an alert owes, its attempts and its log, in SQLite (WAL).

A message is enqueued once per (alert, channel, recipient, severity): the unique ``key`` makes
enqueueing idempotent, so a scan that is re-run cannot send the same alert twice. The pump claims a
pending row, sends it, and marks it sent; a failed send stays pending with a later ``next_attempt_at``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from tianji.core.clock import graph_now
from tianji.core.db import OUTBOX, inserted_id, side_engine
from tianji.core.settings import Settings

metadata = MetaData()

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String, unique=True, nullable=False),
    Column("alert_id", String, nullable=False, index=True),
    Column("channel", String, nullable=False),
    Column("recipient", String, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String, nullable=False, index=True),  # pending, sending, sent, failed, held
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", String, nullable=False),
    Column("last_error", Text),
    Column("created_at", String, nullable=False),
    Column("sent_at", String),
)

delivery_log = Table(
    "delivery_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", Integer, nullable=False, index=True),
    Column("at", String, nullable=False),
    Column("outcome", String, nullable=False),
    Column("detail", Text),
)

inapp_events = Table(
    "inapp_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String, nullable=False),
    Column("topic", String, nullable=False, index=True),
    Column("recipient", String, nullable=False),
    Column("payload", Text, nullable=False),
)


def utcnow() -> str:
    return graph_now("milliseconds")


def open_outbox(settings: Settings) -> Engine:
    return side_engine(settings, OUTBOX)


@dataclass
class Message:
    alert_id: str
    channel: str
    recipient: str
    subject: str
    body: str
    key: str


def enqueue(engine: Engine, message: Message, *, held: bool = False) -> bool:
    """Queue a message; return False if the same key was queued before (it is never sent twice)."""
    row = {
        "key": message.key,
        "alert_id": message.alert_id,
        "channel": message.channel,
        "recipient": message.recipient,
        "subject": message.subject,
        "body": message.body,
        "status": "held" if held else "pending",
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }
    try:
        with engine.begin() as conn:
            result = conn.execute(insert(deliveries).values(**row))
            conn.execute(
                insert(delivery_log).values(
                    delivery_id=inserted_id(result),
                    at=utcnow(),
                    outcome="held" if held else "queued",
                    detail=None,
                )
            )
        return True
    except IntegrityError:
        return False


def claim_due(engine: Engine, limit: int = 100, stale_after_s: int = 300) -> list[dict[str, Any]]:
    """Pending rows whose time has come, marked ``sending`` (rows stuck in ``sending`` by a crash come back)."""
    now = utcnow()
    stale = (dt.datetime.fromisoformat(now) - dt.timedelta(seconds=stale_after_s)).isoformat(
        timespec="milliseconds"
    )
    with engine.begin() as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.status == "sending", deliveries.c.next_attempt_at < stale)
            .values(status="pending")
        )
        rows = (
            conn.execute(
                select(deliveries)
                .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now)
                .order_by(deliveries.c.id)
                .limit(limit)
            )
            .mappings()
            .all()
        )
        claimed = []
        for row in rows:
            done = conn.execute(
                update(deliveries)
                .where(deliveries.c.id == row["id"], deliveries.c.status == "pending")
                .values(status="sending", attempts=row["attempts"] + 1, next_attempt_at=now)
            )
            if done.rowcount:
                claimed.append({**row, "attempts": row["attempts"] + 1})
    return claimed


def mark_sent(engine: Engine, delivery_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(status="sent", sent_at=utcnow(), last_error=None)
        )
        conn.execute(
            insert(delivery_log).values(delivery_id=delivery_id, at=utcnow(), outcome="sent", detail=None)
        )


def mark_failed(engine: Engine, delivery_id: int, error: str, *, retry_in_s: float | None) -> None:
    """Record a failed attempt; retry later, or give up (``failed``) when ``retry_in_s`` is None."""
    values: dict[str, Any] = {"last_error": error[:2000]}
    if retry_in_s is None:
        values["status"] = "failed"
    else:
        values["status"] = "pending"
        values["next_attempt_at"] = (
            dt.datetime.fromisoformat(utcnow()) + dt.timedelta(seconds=retry_in_s)
        ).isoformat(timespec="milliseconds")
    with engine.begin() as conn:
        conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))
        conn.execute(
            insert(delivery_log).values(
                delivery_id=delivery_id,
                at=utcnow(),
                outcome="failed" if retry_in_s is None else "retry",
                detail=error,
            )
        )


def release_held(engine: Engine, alert_ids: list[str]) -> int:
    with engine.begin() as conn:
        done = conn.execute(
            update(deliveries)
            .where(deliveries.c.alert_id.in_(alert_ids), deliveries.c.status == "held")
            .values(status="pending")
        )
    return int(done.rowcount)


def publish_inapp(engine: Engine, topic: str, recipient: str, payload: dict[str, Any]) -> int:
    with engine.begin() as conn:
        result = conn.execute(
            insert(inapp_events).values(
                at=utcnow(), topic=topic, recipient=recipient, payload=json.dumps(payload, ensure_ascii=False)
            )
        )
    return inserted_id(result)


def inapp_last_id(engine: Engine, topic: str | None = None) -> int:
    """The id of the newest in-app event (of ``topic``), 0 when there is none."""
    with engine.connect() as conn:
        query = select(func.max(inapp_events.c.id))
        if topic:
            query = query.where(inapp_events.c.topic == topic)
        return int(conn.execute(query).scalar() or 0)


def inapp_since(engine: Engine, after_id: int, topic: str | None = None) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = select(inapp_events).where(inapp_events.c.id > after_id).order_by(inapp_events.c.id)
        if topic:
            query = query.where(inapp_events.c.topic == topic)
        return [{**row, "payload": json.loads(row["payload"])} for row in conn.execute(query).mappings()]


def rows(engine: Engine, *, alert_id: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = select(deliveries).order_by(deliveries.c.id)
        if alert_id:
            query = query.where(deliveries.c.alert_id == alert_id)
        if status:
            query = query.where(deliveries.c.status == status)
        return [dict(r) for r in conn.execute(query).mappings()]


def log(engine: Engine, delivery_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(delivery_log)
                .where(delivery_log.c.delivery_id == delivery_id)
                .order_by(delivery_log.c.id)
            ).mappings()
        ]
