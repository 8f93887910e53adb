"""Alerts: from the ingest of a triggering batch to delivery (e-mail to a local SMTP server), and the time
of a drift scan over the world's gangs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alerts.channels import channels
from alerts.delivery import pump
from alerts.outbox import open_outbox
from alerts.scan import scan_all
from alerts.watches import WatchSpec, create_watch
from algorithms import drift
from algorithms.service import run_gangs
from bench.common import bench_settings, scratch_store, world_dir
from ingest.loader import Loader
from tests.alerts.conftest import SmtpServer
from tests.alerts.test_alerts import drift_batch


def run(scale: str = "medium") -> dict[str, Any]:
    world = world_dir(scale)
    store = scratch_store("bench_alerts")
    smtp = SmtpServer()
    smtp.start()
    settings = bench_settings("bench_alerts").model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port}
    )
    Loader(store, settings, progress=True).load_dir(world)
    run_gangs(store, settings)
    started = time.perf_counter()
    events = drift.scan_all(store)
    drift_s = time.perf_counter() - started
    gang = store.query("MATCH (e:Enterprise)-[:MEMBER_OF]->(g:Gang) RETURN g.id AS g, e.id AS e LIMIT 1")[0]
    person = store.query(
        "MATCH (p:Person)-[:LEGAL_REP_OF]->(:Enterprise {id: $e}) RETURN p.id AS p", {"e": gang["e"]}
    )
    create_watch(
        store,
        WatchSpec(
            owner="bench",
            unit="GZ",
            target_label="Gang",
            target_id=gang["g"],
            channels=["email"],
            email="bench@customs.example",
        ),
    )
    time.sleep(1.1)
    batch = drift_batch(Path(settings.path("bench", "alert-batch", "x").parent), person[0]["p"])
    started = time.perf_counter()
    Loader(store, settings, progress=False).load_dir(batch)
    engine = open_outbox(settings)
    scan_all(store, engine, settings)
    pump(engine, settings, channels(settings, engine))
    delivered = time.perf_counter() - started
    smtp.stop()
    store.clear()
    store.close()
    return {
        "benchmark": "alerts",
        "scale": scale,
        "drift_events": len(events),
        "drift_scan_s": round(drift_s, 2),
        "ingest_to_delivery_s": round(delivered, 2),
        "emails": len(smtp.messages),
    }
