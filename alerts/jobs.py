"""The scheduled jobs. Each is a plain function of the settings it runs with, which the job store names
("alerts.jobs:scan_watches") and the scheduler calls with its own settings (``alerts.scheduler``); nothing
here keeps state between runs."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from alerts.channels import channels
from alerts.delivery import pump, render
from alerts.outbox import Message, enqueue, open_outbox
from alerts.prompts import raise_prompts
from alerts.raising import list_alerts
from alerts.scan import scan_all
from alerts.watches import list_watches
from algorithms import drift
from graph.open import open_store
from ingest.resolution.overseas import resolve_overseas
from scoring.features import load_declarations
from scoring.model import ModelError, load, registry
from scoring.monitor import score_drift
from scoring.service import score_frame, write_scores
from tagging.service import retag_all
from tianji.core.clock import utc_today
from tianji.core.settings import Settings
from tracks import service as tracks
from tracks.store import TrackStore

log = logging.getLogger("tianji.jobs")


def scan_watches(settings: Settings) -> dict[str, Any]:
    """Scan every active watch for new related enterprises, declarations, ports, tags, fences, companions."""
    engine = open_outbox(settings)
    with open_store(settings=settings) as store:
        report = scan_all(store, engine, settings)
    log.info("watch scan: %s", report)
    return report.__dict__


def drift_scan(settings: Settings) -> int:
    """Re-scan active gangs for a change of vest or port drift (DriftEvent nodes; watches see them)."""
    with open_store(settings=settings) as store:
        return drift.write_back(store, drift.scan_all(store))


def track_checks(settings: Settings) -> dict[str, int]:
    """Fence and companion checks over the stored tracks; new fence events and companion links enter the
    graph, where watch conditions see them."""
    points = TrackStore(settings)
    if points.empty():
        return {"companion_links": 0, "fence_events": 0}
    with open_store(settings=settings) as store:
        return tracks.write_back(store, points)


def resolve_new(settings: Settings) -> int:
    """Incremental resolution: overseas spellings not linked yet join the subjects they match (or new ones)."""
    with open_store(settings=settings) as store:
        return int(resolve_overseas(store, settings, incremental=True)[1]["new_mentions"])


def retag(settings: Settings) -> int:
    """Incremental tagging: re-apply every rule; only subjects whose tags change are touched."""
    with open_store(settings=settings) as store:
        return sum(len(c.add) + len(c.remove) for c in retag_all(store, settings))


#: declarations whose scans, certificates or documents were read since their score: their imaging
#: features and expert rules changed (a suspect scan must move the score)
READ_SINCE_SCORED = (
    "MATCH (x:ImageVerdict)-[:VERDICT_ON]->(d:Declaration)<-[:SCORED]-(r:RiskScore {model_version: $v}) "
    "WHERE x.computed_at >= r.computed_at RETURN d.id AS id "
    "UNION MATCH (x:Certificate)-[:CERTIFIES]->(d:Declaration)<-[:SCORED]-(r:RiskScore {model_version: $v}) "
    "WHERE x.read_at >= r.computed_at RETURN d.id AS id "
    "UNION MATCH (x:Document)-[:DOCUMENT_OF]->(d:Declaration)<-[:SCORED]-(r:RiskScore {model_version: $v}) "
    "WHERE x.read_at >= r.computed_at RETURN d.id AS id"
)


def rescore(settings: Settings) -> int:
    """Score the declarations that have no score from the promoted model yet, and those whose scans or
    papers were read since they were scored (times to the second: one read in the score's second is
    scored again, once more at most)."""
    try:
        trained = load(settings)
    except ModelError:
        return 0
    with open_store(settings=settings) as store:
        unscored = {
            r["id"]
            for r in store.query(
                "MATCH (d:Declaration) WHERE NOT (d)<-[:SCORED]-(:RiskScore {model_version: $v}) "
                "RETURN d.id AS id",
                {"v": trained.meta["version"]},
                read_only=True,
                timeout_ms=120_000,
            )
        }
        unscored |= {
            r["id"] for r in store.query(READ_SINCE_SCORED, {"v": trained.meta["version"]}, read_only=True)
        }
        if not unscored:  # the usual tick: two queries, nothing loaded
            return 0
        frame = load_declarations(store)  # the new ones with every earlier one (their history needs it)
        new = frame[frame["entry_no"].isin(unscored)]
        if new.empty:
            return 0
        return write_scores(store, trained, score_frame(store, trained, new, past=frame))


def score_monitor(settings: Settings) -> dict[str, Any]:
    """Daily: the promoted model's score distribution against its training period; a drift is logged as a
    warning for the on-call operator and kept in the model registry's monitor.json."""
    try:
        trained = load(settings)
    except ModelError:
        return {}
    with open_store(settings=settings) as store:
        try:
            report = score_drift(store, trained).as_dict()
        except ValueError as exc:  # a model from before the monitor kept its deciles
            log.warning("score monitor: %s", exc)
            return {}
    (registry(settings) / "monitor.json").write_text(json.dumps(report), encoding="utf-8")
    if report["drifted"]:
        log.warning("score distribution drifted: %s", report)
    return report


def high_risk_prompts(settings: Settings) -> int:
    """Raise high-risk prompts for new declarations and new enterprises around blacklisted subjects."""
    with open_store(settings=settings) as store:
        raised = raise_prompts(store, settings)
    if raised:
        log.info("high-risk prompts: %d", len(raised))
    return len(raised)


def deliver(settings: Settings) -> dict[str, int]:
    """Send the messages that are due; failures wait for their next attempt."""
    engine = open_outbox(settings)
    counts = pump(engine, settings, channels(settings, engine))
    if counts:
        log.info("delivery: %s", counts)
    return counts


def daily_digest(settings: Settings) -> int:
    """One e-mail per watch owner listing their open alerts of the last day."""
    engine = open_outbox(settings)
    today = utc_today()
    queued = 0
    with open_store(settings=settings) as store:
        email_of = {w["owner"]: w.get("email") for w in list_watches(store) if w.get("email")}
        by_owner: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for alert in list_alerts(store, status=["open", "acknowledged", "assigned"], limit=10_000):
            by_owner[alert.get("assignee") or alert.get("owner") or ""].append(alert)
    for owner, alerts in by_owner.items():
        address = email_of.get(owner)
        if not address or not alerts:
            continue
        body = "\n\n".join(render(a)[1] for a in alerts[:50])
        message = Message(
            alerts[0]["id"],
            "email",
            address,
            f"[天机 Tianji] daily digest {today}: {len(alerts)} open",
            body,
            f"daily:{owner}:{today}",
        )
        queued += enqueue(engine, message)
    return queued


#: every scheduled job by its id (``alerts.scheduler.job_definitions`` schedules them)
JOBS: dict[str, Callable[[Settings], Any]] = {
    "scan_watches": scan_watches,
    "high_risk_prompts": high_risk_prompts,
    "drift_scan": drift_scan,
    "resolve_new": resolve_new,
    "retag": retag,
    "track_checks": track_checks,
    "rescore": rescore,
    "deliver": deliver,
    "daily_digest": daily_digest,
    "score_monitor": score_monitor,
}
