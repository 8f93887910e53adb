"""Turning alerts into messages and pumping the outbox: retries with backoff, digests, never twice."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine

from alerts.channels import Channel, ChannelError
from alerts.outbox import Message, claim_due, enqueue, mark_failed, mark_sent
from alerts.watches import delivery_paused
from tianji.core.settings import Settings


def render(alert: dict[str, Any]) -> tuple[str, str]:
    subject = f"[天机 Tianji · 风险{alert['severity']}级] {alert['title']}"
    lines = [
        alert["title"],
        f"severity {alert['severity']} · status {alert['status']} · raised {alert['raised_at']}",
        f"watch {alert.get('watch_id')} · alert {alert['id']}",
        "evidence:",
    ]
    lines += [f"  - {item}" for item in (alert.get("evidence") or [])[:20]]
    return subject, "\n".join(lines)


def recipients(watch: dict[str, Any], channel: str) -> str | None:
    return {"email": watch.get("email"), "sms": watch.get("phone"), "inapp": watch.get("owner")}.get(
        channel
    ) or None


def enqueue_alerts(
    engine: Engine, settings: Settings, watch: dict[str, Any], alerts: list[dict[str, Any]]
) -> int:
    """Queue the messages these alerts owe; more than ``digest_threshold`` at once go out as one digest."""
    due = [a for a in alerts if int(a["severity"]) >= int(watch.get("min_severity") or 1)]
    if not due:
        return 0
    held = delivery_paused(watch)
    queued = 0
    for channel in watch.get("channels") or ["inapp"]:
        recipient = recipients(watch, channel)
        if recipient is None:
            continue
        if channel != "inapp" and len(due) > settings.digest_threshold:
            subject = f"[天机 Tianji] {len(due)} alerts on {watch.get('title')}"
            body = "\n\n".join(render(a)[1] for a in due)
            key = f"digest:{watch['id']}:{channel}:" + ",".join(
                sorted(f"{a['id']}@{a['severity']}" for a in due)
            )
            queued += enqueue(
                engine, Message(due[0]["id"], channel, recipient, subject, body, key), held=held
            )
            continue
        for alert in due:
            if channel == "inapp":
                subject, body = alert["title"], json.dumps({"alert": alert}, ensure_ascii=False)
            else:
                subject, body = render(alert)
            key = f"{alert['id']}:{channel}:{recipient}:{alert['severity']}"
            queued += enqueue(engine, Message(alert["id"], channel, recipient, subject, body, key), held=held)
    return queued


def pump(engine: Engine, settings: Settings, available: dict[str, Channel]) -> dict[str, int]:
    """Send every due message once; a failure is retried later with exponential backoff."""
    counts: dict[str, int] = defaultdict(int)
    for row in claim_due(engine):
        channel = available.get(row["channel"])
        if channel is None:
            retry = _backoff(settings, row["attempts"])
            mark_failed(engine, row["id"], f"channel {row['channel']} is not configured", retry_in_s=retry)
            counts["unconfigured"] += 1
            continue
        try:
            channel.send(row["recipient"], row["subject"], row["body"], row["key"])
        except ChannelError as exc:
            mark_failed(engine, row["id"], str(exc), retry_in_s=_backoff(settings, row["attempts"]))
            counts["failed"] += 1
            continue
        mark_sent(engine, row["id"])
        counts["sent"] += 1
    return dict(counts)


def _backoff(settings: Settings, attempts: int) -> float | None:
    if attempts >= settings.delivery_max_attempts:
        return None
    return float(min(settings.delivery_backoff_s * 2 ** (attempts - 1), 3600.0))
