"""Alert nodes: raised from findings, de-duplicated by watch and cause, acknowledged, assigned, closed.

The same cause on the same watch updates one open alert (its evidence grows, ``occurrences`` counts the
distinct evidence items) instead of raising a new one; after it is closed, the cause starts a new alert.
Raising is idempotent: re-running a scan that crashed half-way leaves the same alerts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from alerts.conditions import Finding
from alerts.watches import now
from graph.store import GraphStore
from ingest.keys import stable_id

OPEN = ("open", "acknowledged", "assigned")
#: every status an alert passes through, in triage order
STATUSES = (*OPEN, "closed")


class AlertError(ValueError):
    pass


def _open_alert(store: GraphStore, watch_id: str, cause: str) -> dict[str, Any] | None:
    rows = store.query(
        "MATCH (a:Alert {watch_id: $watch, cause: $cause}) WHERE a.status IN $open RETURN a",
        {"watch": watch_id, "cause": cause, "open": list(OPEN)},
        read_only=True,
    )
    return rows[0]["a"]["properties"] if rows else None


def _closed_alerts(store: GraphStore, watch_id: str, cause: str) -> list[dict[str, Any]]:
    rows = store.query(
        "MATCH (a:Alert {watch_id: $watch, cause: $cause}) WHERE a.status = 'closed' RETURN a "
        "ORDER BY a.raised_at DESC",
        {"watch": watch_id, "cause": cause},
        read_only=True,
    )
    return [row["a"]["properties"] for row in rows]


def raise_alert(
    store: GraphStore, watch: dict[str, Any], finding: Finding, *, scan_id: str
) -> tuple[dict[str, Any], bool]:
    """Create or update the alert for this watch and cause; return it and whether it is new or got worse."""
    existing = _open_alert(store, watch["id"], finding.cause)
    evidence = sorted(f"{label}:{i}" for label, ids in finding.evidence.items() for i in ids)
    if existing:
        merged = sorted(set(existing.get("evidence") or []) | set(evidence))
        severity = max(int(existing.get("severity") or 0), finding.severity)
        changed = severity > int(existing.get("severity") or 0)
        alert_id = existing["id"]
        props = {
            "id": alert_id,
            "evidence": merged,
            "occurrences": len(merged),
            "severity": severity,
            "last_seen_at": now(),
        }
        if merged == sorted(existing.get("evidence") or []) and not changed:
            return existing, False
    else:
        closed = _closed_alerts(store, watch["id"], finding.cause)
        if closed and set(evidence) <= {item for alert in closed for item in alert.get("evidence") or []}:
            return closed[0], False  # an officer already closed exactly this: seen again, not news
        alert_id = stable_id("alert_", watch["id"], finding.cause, scan_id)
        changed = True
        props = {
            "id": alert_id,
            "kind": finding.condition,
            "cause": finding.cause,
            "title": finding.title,
            "severity": finding.severity,
            "status": "open",
            "raised_at": now(),
            "last_seen_at": now(),
            "watch_id": watch["id"],
            "owner": watch["owner"],
            "unit": watch["unit"],
            "evidence": evidence,
            "occurrences": len(evidence),
        }
    store.merge_nodes("Alert", [props])
    store.merge_relationships("RAISED_BY", "Alert", "Watch", [{"start": alert_id, "end": watch["id"]}])
    for label, ids in finding.evidence.items():
        if store.ontology.relationship("ALERT_ON").allows("Alert", label):
            store.merge_relationships(
                "ALERT_ON", "Alert", label, [{"start": alert_id, "end": i} for i in ids]
            )
    return store.node("Alert", alert_id)["properties"], changed  # type: ignore[index]


def get_alert(store: GraphStore, alert_id: str) -> dict[str, Any]:
    node = store.node("Alert", alert_id)
    if node is None:
        raise AlertError(f"alert {alert_id!r} does not exist")
    return node["properties"]


#: the alert filters of a triage list, as one predicate on ``a`` (each filter off when its parameter is null)
_FILTER = (
    "($unit IS NULL OR a.unit = $unit) AND ($owner IS NULL OR a.owner = $owner OR a.assignee = $owner) "
    "AND ($assignee IS NULL OR a.assignee = $assignee) AND (NOT $unassigned OR a.assignee IS NULL) "
    "AND ($min_severity IS NULL OR a.severity >= $min_severity)"
)


def _filters(
    unit: str | None, owner: str | None, assignee: str | None, unassigned: bool, min_severity: int | None
) -> dict[str, Any]:
    return {
        "unit": unit,
        "owner": owner,
        "assignee": assignee,
        "unassigned": unassigned,
        "min_severity": min_severity,
    }


def list_alerts(
    store: GraphStore,
    *,
    unit: str | None = None,
    owner: str | None = None,
    status: Iterable[str] | None = None,
    assignee: str | None = None,
    unassigned: bool = False,
    min_severity: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Alerts newest first: of ``unit``; for ``owner`` (the watch's owner or the assignee); of the given
    statuses; assigned to ``assignee``, or to no one (``unassigned``); of at least ``min_severity``."""
    rows = store.query(
        f"MATCH (a:Alert) WHERE {_FILTER} AND ($status IS NULL OR a.status IN $status) "
        "RETURN a ORDER BY a.raised_at DESC, a.id LIMIT $limit",
        {
            **_filters(unit, owner, assignee, unassigned, min_severity),
            "status": list(status) if status else None,
            "limit": limit,
        },
        read_only=True,
    )
    return [r["a"]["properties"] for r in rows]


def count_by_status(
    store: GraphStore,
    *,
    unit: str | None = None,
    owner: str | None = None,
    assignee: str | None = None,
    unassigned: bool = False,
    min_severity: int | None = None,
) -> dict[str, int]:
    """How many alerts of each status (every one of ``STATUSES``, in their order, then any other found) the
    same filters as ``list_alerts`` (status aside) select."""
    rows = store.query(
        f"MATCH (a:Alert) WHERE {_FILTER} RETURN a.status AS status, count(a) AS n",
        _filters(unit, owner, assignee, unassigned, min_severity),
        read_only=True,
    )
    counted = {str(r["status"]): int(r["n"]) for r in rows}
    return {**{status: counted.pop(status, 0) for status in STATUSES}, **dict(sorted(counted.items()))}


def acknowledge(store: GraphStore, alert_id: str, user: str) -> dict[str, Any]:
    alert = get_alert(store, alert_id)
    if alert["status"] == "closed":
        raise AlertError(f"alert {alert_id} is closed")
    store.merge_nodes(
        "Alert",
        [
            {
                "id": alert_id,
                "status": "acknowledged" if alert["status"] == "open" else alert["status"],
                "acknowledged_by": user,
                "acknowledged_at": now(),
            }
        ],
    )
    return get_alert(store, alert_id)


def assign(store: GraphStore, alert_id: str, assignee: str) -> dict[str, Any]:
    alert = get_alert(store, alert_id)
    if alert["status"] == "closed":
        raise AlertError(f"alert {alert_id} is closed")
    store.merge_nodes("Alert", [{"id": alert_id, "status": "assigned", "assignee": assignee}])
    return get_alert(store, alert_id)


def close(store: GraphStore, alert_id: str, reason: str) -> dict[str, Any]:
    if not reason.strip():
        raise AlertError("closing an alert needs a reason")
    if get_alert(store, alert_id)["status"] == "closed":  # its reason stays the one it was closed with
        raise AlertError(f"alert {alert_id} is already closed")
    store.merge_nodes(
        "Alert", [{"id": alert_id, "status": "closed", "closed_reason": reason, "closed_at": now()}]
    )
    return get_alert(store, alert_id)
