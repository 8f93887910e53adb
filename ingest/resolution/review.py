"""The review queue: matches between the review and accept thresholds, and the decisions taken on them.

Decisions (confirm = must link, reject = cannot link) are kept in SQLite and respected by every later run;
each is logged with who took it and can be reversed by taking the opposite decision.

Reviewers also merge two subjects or split mentions off one. Each merge or split is an action: the
constraints it adds to the queue (confirmed or rejected pairs tagged with the action) and what it changed
(every mention's subject before), so that reverting it puts back exactly what was there and withdraws its
constraints.
"""

from __future__ import annotations

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
    insert,
    select,
    update,
)

from ingest.resolution.pairs import Pair
from tianji.core.clock import utc_now_iso
from tianji.core.db import REVIEW, inserted_id, side_engine
from tianji.core.settings import Settings

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
    Column("flag", String),  # one of FLAGS: a warning the run raised, not a pair to score
)
#: a flagged item's kind: a new match, or a refused must-link, that contradicts a reviewer's decision
CONTRADICTION = "contradiction"
FLAGS = (CONTRADICTION,)
log = Table(
    "review_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item", Integer, nullable=False),
    Column("at", String, nullable=False),
    Column("user", String, nullable=False),
    Column("decision", String, nullable=False),
)


actions = Table(
    "review_action",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String, nullable=False),
    Column("action", String, nullable=False),  # merge, split
    Column("subject", String, nullable=False),  # the subject kept (merge) or split (split)
    Column("payload", Text, nullable=False),  # JSON: what changed, to revert it
    Column("user", String, nullable=False),
    Column("at", String, nullable=False),
    Column("reverted_by", String),
    Column("reverted_at", String),
)
MAX_SPLIT_PAIRS = 10_000


def open_review(settings: Settings) -> Engine:
    return side_engine(settings, REVIEW)


def enqueue(engine: Engine, kind: str, pairs: list[Pair]) -> int:
    added = 0
    with engine.begin() as conn:
        known = {
            (r.a, r.b)
            for r in conn.execute(
                select(queue.c.a, queue.c.b).where(queue.c.kind == kind, queue.c.flag.is_(None))
            )
        }
        for pair in pairs:
            if pair.decision == "review" and (pair.a, pair.b) not in known:
                conn.execute(
                    insert(queue).values(
                        kind=kind,
                        a=pair.a,
                        b=pair.b,
                        score=pair.score,
                        features=json.dumps(
                            {**pair.features, "explanation": pair.explanation}
                            if pair.explanation
                            else pair.features,
                            ensure_ascii=False,
                        ),
                        status="open",
                    )
                )
                added += 1
    return added


def _order(row: Any) -> tuple[str, int]:
    """The order decisions were taken in (a pair's latest decision counts)."""
    return (row["decided_at"] or "", row["id"])


def _pending(rows: list[Any]) -> set[tuple[str, str, str | None]]:
    """The contradictions (a, b, matching record) not to flag again: those whose item is open, and those
    a reviewer answered when the pair has had no other decision since (after a newer decision on the pair,
    a contradiction found again is flagged again)."""
    newest: dict[tuple[str, str], tuple[str, int]] = {}
    for r in rows:
        if r["flag"] is None and r["status"] != "open" and r["decided_at"]:
            pair = (min(r["a"], r["b"]), max(r["a"], r["b"]))
            newest[pair] = max(newest.get(pair, ("", 0)), _order(r))
    out = set()
    for r in rows:
        if r["flag"] != CONTRADICTION:
            continue
        pair = (min(r["a"], r["b"]), max(r["a"], r["b"]))
        if r["status"] == "open" or _order(r) >= newest.get(pair, ("", 0)):
            out.add((r["a"], r["b"], json.loads(r["features"]).get("contradiction", {}).get("record")))
    return out


def _settles(flag: str | None, a: str, b: str, features: str) -> bool:
    """Whether deciding the item decides its pair: not for a must-link refused for a reason no decision
    lifts (different strong keys, the size limit), whose item sits on the confirmed pair itself."""
    if flag != CONTRADICTION:
        return True
    found = json.loads(features).get("contradiction", {})
    if not found.get("must_link_refused"):
        return True
    musts = found.get("must_links", [[a, b]])  # items raised before must_links sat on the must-link
    return not any({a, b} == set(m) for m in musts)


def flag_contradictions(engine: Engine, kind: str, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Put each contradiction (``ingest.resolution.contradictions``) in the queue as an open item flagged
    ``contradiction`` on the pair the reviewer decided (a, b), naming that decision (who, when, which item,
    its status; all None for a constraint the run was given that the queue does not hold) and the new
    matches; one item per (a, b, matching record) while it is open, and none again once a
    reviewer answered it unless a newer decision on the pair was taken since. Returns every contradiction
    with the decision it contradicts (the run's summary lists them)."""
    if not found:
        return []
    out = []
    with engine.begin() as conn:
        rows = conn.execute(select(queue).where(queue.c.kind == kind)).mappings().all()
        decided = {
            (r["a"], r["b"]): r
            for r in sorted(rows, key=_order)
            if r["flag"] is None and r["status"] in ("confirmed", "rejected")
        }
        flagged = _pending(list(rows))
        for item in found:
            a, b = item["a"], item["b"]
            decision = decided.get((a, b)) or decided.get((b, a))
            named = {
                **item,
                "decision": {
                    "item": decision["id"] if decision else None,
                    "status": decision["status"] if decision else None,  # not a decision of the queue
                    "decided_by": decision["decided_by"] if decision else None,
                    "decided_at": decision["decided_at"] if decision else None,
                },
            }
            out.append(named)
            if (a, b, item["record"]) in flagged:
                continue
            flagged.add((a, b, item["record"]))
            conn.execute(
                insert(queue).values(
                    kind=kind,
                    a=a,
                    b=b,
                    score=item["score"],
                    features=json.dumps({"contradiction": named}, ensure_ascii=False),
                    status="open",
                    flag=CONTRADICTION,
                )
            )
    return out


def items(
    engine: Engine,
    kind: str | None = None,
    status: str | None = "open",
    limit: int = 100,
    flag: str | None = None,
) -> list[dict[str, Any]]:
    """The queue's items, most likely first; ``flag`` (one of ``FLAGS``) keeps only the items so flagged."""
    if flag is not None and flag not in FLAGS:
        raise ValueError(f"unknown flag {flag!r}; known flags: {', '.join(FLAGS)}")
    query = select(queue).order_by(queue.c.score.desc()).limit(limit)
    if kind:
        query = query.where(queue.c.kind == kind)
    if status:
        query = query.where(queue.c.status == status)
    if flag:
        query = query.where(queue.c.flag == flag)
    with engine.connect() as conn:
        return [{**r, "features": json.loads(r["features"])} for r in conn.execute(query).mappings()]


def decide(engine: Engine, item: int, decision: str, user: str) -> dict[str, Any]:
    if decision not in ("confirmed", "rejected", "open"):
        raise ValueError("decision is confirmed, rejected or open (to reopen)")
    now = utc_now_iso()
    with engine.begin() as conn:
        done = conn.execute(
            update(queue).where(queue.c.id == item).values(status=decision, decided_by=user, decided_at=now)
        )
        if not done.rowcount:
            raise KeyError(f"no review item {item}")
        conn.execute(insert(log).values(item=item, at=now, user=user, decision=decision))
        return dict(conn.execute(select(queue).where(queue.c.id == item)).mappings().one())


def decisions(engine: Engine, kind: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Must- and cannot-links: each pair's latest decision. A flagged contradiction sits on the cannot-link
    it contradicts (for a refused must-link, on the cannot-link that keeps its clusters apart): confirming
    it joins the pair after all, rejecting it keeps the cannot-link. A refused must-link that no decision
    keeps apart (different strong keys) is a warning on the must-link itself: deciding it changes nothing."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(queue.c.a, queue.c.b, queue.c.status, queue.c.flag, queue.c.features)
            .where(queue.c.kind == kind, queue.c.status.in_(("confirmed", "rejected")))
            .order_by(queue.c.decided_at, queue.c.id)
        ).all()
    latest = {
        tuple(sorted((a, b))): (a, b, s) for a, b, s, flag, features in rows if _settles(flag, a, b, features)
    }
    return (
        [(a, b) for a, b, s in latest.values() if s == "confirmed"],
        [(a, b) for a, b, s in latest.values() if s == "rejected"],
    )


def record_action(
    engine: Engine,
    kind: str,
    action: str,
    subject: str,
    *,
    must: list[tuple[str, str]] = (),  # type: ignore[assignment]
    cannot: list[tuple[str, str]] = (),  # type: ignore[assignment]
    payload: dict[str, Any],
    user: str,
) -> dict[str, Any]:
    """Log a merge or split with the constraints that keep it in later runs."""
    if len(cannot) > MAX_SPLIT_PAIRS:
        raise ValueError(f"a split of more than {MAX_SPLIT_PAIRS} mention pairs: split in smaller steps")
    now = utc_now_iso()
    with engine.begin() as conn:
        action_id = inserted_id(
            conn.execute(
                insert(actions).values(
                    kind=kind, action=action, subject=subject, payload=json.dumps(payload), user=user, at=now
                )
            )
        )
        tag = json.dumps({"action": action_id, "manual": action})
        for (a, b), status in [*((p, "confirmed") for p in must), *((p, "rejected") for p in cannot)]:
            item = inserted_id(
                conn.execute(
                    insert(queue).values(
                        kind=kind,
                        a=a,
                        b=b,
                        score=1.0,
                        features=tag,
                        status=status,
                        decided_by=user,
                        decided_at=now,
                    )
                )
            )
            conn.execute(insert(log).values(item=item, at=now, user=user, decision=status))
    return get_action(engine, int(action_id))


def get_action(engine: Engine, action_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(actions).where(actions.c.id == action_id)).mappings().first()
    if row is None:
        raise KeyError(f"no merge or split {action_id}")
    return {**row, "payload": json.loads(row["payload"])}


def list_actions(engine: Engine, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = select(actions).order_by(actions.c.id.desc()).limit(limit)
    if kind:
        query = query.where(actions.c.kind == kind)
    with engine.connect() as conn:
        return [{**r, "payload": json.loads(r["payload"])} for r in conn.execute(query).mappings()]


def revert_action(engine: Engine, action_id: int, user: str) -> dict[str, Any]:
    """Withdraw the action's constraints (their queue items become 'reverted') and mark it reverted."""
    action = get_action(engine, action_id)
    if action["reverted_at"]:
        raise ValueError(f"{action['action']} {action_id} was already reverted by {action['reverted_by']}")
    now = utc_now_iso()
    tag = json.dumps({"action": action_id, "manual": action["action"]})
    with engine.begin() as conn:
        ids = [r.id for r in conn.execute(select(queue.c.id).where(queue.c.features == tag))]
        conn.execute(
            update(queue)
            .where(queue.c.id.in_(ids))
            .values(status="reverted", decided_by=user, decided_at=now)
        )
        for item in ids:
            conn.execute(insert(log).values(item=item, at=now, user=user, decision="reverted"))
        conn.execute(
            update(actions).where(actions.c.id == action_id).values(reverted_by=user, reverted_at=now)
        )
    return get_action(engine, action_id)
