"""One scan of the watches: find what is new since each watch's watermark, raise alerts, queue messages.

The watermark moves only after the alerts and their messages are written, so a scan killed half-way
is simply repeated: alerts are de-duplicated by cause and messages by key, so nothing is lost and
nothing is sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from alerts.conditions import evaluate
from alerts.delivery import enqueue_alerts
from alerts.raising import raise_alert
from alerts.watches import list_watches, looking_back, now
from graph.store import GraphStore
from tianji.core.settings import Settings


@dataclass
class ScanReport:
    watches: int = 0
    findings: int = 0
    alerts_new_or_worse: int = 0
    messages_queued: int = 0
    alert_ids: list[str] = field(default_factory=list)


def scan_watch(
    store: GraphStore,
    engine: Engine,
    settings: Settings,
    watch: dict[str, Any],
    *,
    scan_at: str | None = None,
) -> ScanReport:
    scan_at = scan_at or now()
    report = ScanReport(watches=1)
    findings = evaluate(
        store,
        watch,
        looking_back(watch["last_scanned_at"], settings.alerts_watermark_overlap_s, watch.get("created_at")),
    )
    report.findings = len(findings)
    changed = []
    for finding in findings:
        alert, is_news = raise_alert(store, watch, finding, scan_id=scan_at)
        report.alert_ids.append(alert["id"])
        if is_news:
            changed.append(alert)
    report.alerts_new_or_worse = len(changed)
    report.messages_queued = enqueue_alerts(engine, settings, watch, changed)
    store.merge_nodes("Watch", [{"id": watch["id"], "last_scanned_at": scan_at}])
    return report


def scan_all(store: GraphStore, engine: Engine, settings: Settings) -> ScanReport:
    total = ScanReport()
    scan_at = now()
    for watch in list_watches(store):
        one = scan_watch(store, engine, settings, watch, scan_at=scan_at)
        total.watches += 1
        total.findings += one.findings
        total.alerts_new_or_worse += one.alerts_new_or_worse
        total.messages_queued += one.messages_queued
        total.alert_ids += one.alert_ids
    return total
