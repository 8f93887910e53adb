"""Watches raise alerts that reach e-mail, the SMS gateway and in-app subscribers: once, and never lost."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from alerts import outbox
from alerts.channels import channels, check_channels
from alerts.delivery import pump
from alerts.raising import acknowledge, assign, close, get_alert, list_alerts
from alerts.scan import scan_all
from alerts.scheduler import start
from alerts.watches import WatchError, WatchSpec, create_watch, tune_watch
from graph.store import GraphStore
from ingest.loader import Loader
from ingest.synthetic.declarations import DECLARATION_COLUMNS
from ingest.synthetic.writer import ENTERPRISE_COLUMNS
from tests.alerts.conftest import alert_settings
from tests.ingest.builders import uscc, write_csv
from tianji.core.settings import Settings

HEADER = DECLARATION_COLUMNS


def drift_batch(directory: Path, person: str) -> Path:
    """A new shell company at the gang's address, run by its legal representative, declaring at a new port;
    and one more declaration by a member at a port it already used."""
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(
        directory / "ports.csv",
        ["code", "name", "city", "lat", "lon"],
        [["5200", "黄埔海关", "广州", 23.1, 113.4]],
    )
    write_csv(
        directory / "enterprises.csv",
        ENTERPRISE_COLUMNS,
        [
            [
                uscc(9),
                "广州新壳贸易有限公司",
                "",
                "广东广州",
                "trade",
                "2025-06-01",
                "active",
                "general",
                "GZ",
                "广州市天河区1号",
                "13800000099",
                "",
            ]
        ],
    )
    write_csv(
        directory / "roles.csv",
        ["id_hash", "uscc", "role", "since", "share"],
        [[person, uscc(9), "legal_rep", "2025-06-01", ""]],
    )
    write_csv(
        directory / "declarations.csv",
        HEADER,
        [
            [
                "520020250000000001",
                "2025-06-10",
                "import",
                "5200",
                "general",
                "84713000",
                "laptops",
                900,
                40,
                10,
                "pcs",
                "VN",
                "road",
                "",
                0.05,
                uscc(9),
                "",
                "",
                "SUN TRADING CO LTD",
                "VN",
                "",
                "",
                "",
            ],
            [
                "510020250000000002",
                "2025-06-11",
                "import",
                "5100",
                "general",
                "84713000",
                "laptops",
                950,
                41,
                10,
                "pcs",
                "VN",
                "road",
                "",
                0.05,
                uscc(1),
                "",
                "",
                "SUN TRADING CO LTD",
                "VN",
                "",
                "",
                "",
            ],
        ],
    )
    return directory


def _watch(store: GraphStore, world: dict[str, Any], **extra: Any) -> dict[str, Any]:
    spec = WatchSpec(
        owner="li.wei",
        unit="GZ",
        target_label="Gang",
        target_id=world["gang"],
        conditions=["new_related_enterprise", "new_port", "new_declaration"],
        channels=["email", "sms", "inapp"],
        email="li.wei@customs.example",
        phone="13912345678",
        **extra,
    )
    return create_watch(store, spec)


def _legal_rep(store: GraphStore, enterprise: str) -> str:
    return store.query(
        "MATCH (p:Person)-[:LEGAL_REP_OF]->(e:Enterprise {id: $e}) RETURN p.id AS id", {"e": enterprise}
    )[0]["id"]


def _wait(predicate: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_drift_batch_raises_alerts_delivered_on_every_channel_within_one_tick(
    store: GraphStore,
    settings: Settings,
    watched_world: dict[str, Any],
    smtp_server: Any,
    sms_gateway: Any,
    tmp_path: Path,
) -> None:
    import asyncio
    import json as jsonlib

    import websockets
    from websockets.typing import Subprotocol

    from api.auth import User, create_user, issue_jwt, open_users
    from tests.api.conftest import serve

    config = alert_settings(settings, smtp_server, sms_gateway)
    watch = _watch(store, watched_world)
    create_user(open_users(config), "li.wei", "investigator", "GZ")
    token = issue_jwt(config, User("li.wei", "investigator", "GZ"))
    server, thread, url = serve(config)
    received: list[dict[str, Any]] = []

    async def subscribe(ready: asyncio.Event) -> None:
        async with websockets.connect(
            url.replace("http", "ws") + "/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as ws:
            await ws.send(
                jsonlib.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            )
            await ws.recv()
            await ws.send(
                jsonlib.dumps(
                    {"id": "1", "type": "subscribe", "payload": {"query": "subscription { alerts }"}}
                )
            )
            ready.set()
            while len(received) < 3:
                message = jsonlib.loads(await asyncio.wait_for(ws.recv(), timeout=60))
                received.append(message["payload"]["data"]["alerts"])

    async def scenario() -> None:
        ready = asyncio.Event()
        listener = asyncio.create_task(subscribe(ready))
        await ready.wait()
        await asyncio.sleep(1.1)  # facts ingested from now on are newer than the watch's watermark
        batch = drift_batch(tmp_path / "batch", _legal_rep(store, watched_world["members"][0]))
        Loader(store, config, progress=False).load_dir(batch)
        scheduler = start(config)
        try:
            await asyncio.wait_for(listener, timeout=60)
            assert await asyncio.to_thread(
                _wait, lambda: len(smtp_server.messages) >= 3 and len(sms_gateway.requests) >= 3
            )
        finally:
            scheduler.shutdown(wait=True)

    try:
        asyncio.run(scenario())
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    alerts = {a["cause"]: a for a in list_alerts(store) if a.get("watch_id") == watch["id"]}
    assert set(alerts) == {f"new_related_enterprise:{uscc(9)}", "new_port:5200", "new_declaration"}
    shell = alerts[f"new_related_enterprise:{uscc(9)}"]
    assert f"Enterprise:{uscc(9)}" in shell["evidence"] and shell["watch_id"] == watch["id"]
    linked = store.query(
        "MATCH (a:Alert {id: $id})-[:ALERT_ON]->(e:Enterprise) RETURN e.id AS id", {"id": shell["id"]}
    )
    assert uscc(9) in {r["id"] for r in linked}
    assert len(smtp_server.messages) == 3 and len(sms_gateway.requests) == 3
    assert {m["To"] for m in smtp_server.messages} == {"li.wei@customs.example"}
    assert all(r["body"]["to"] == "13912345678" for r in sms_gateway.requests)
    assert {event["alert"]["cause"] for event in received} == set(alerts)  # the GraphQL subscriber saw each


def test_smtp_down_then_up_delivers_exactly_once(
    store: GraphStore,
    settings: Settings,
    watched_world: dict[str, Any],
    smtp_server: Any,
    tmp_path: Path,
) -> None:
    config = alert_settings(settings, smtp_server)
    spec = WatchSpec(
        owner="li.wei",
        unit="GZ",
        target_label="Gang",
        target_id="G1",
        conditions=["new_port"],
        channels=["email"],
        email="li.wei@customs.example",
    )
    create_watch(store, spec)
    time.sleep(1.1)
    Loader(store, config, progress=False).load_dir(drift_batch(tmp_path / "b", _legal_rep(store, uscc(1))))
    engine = outbox.open_outbox(config)
    smtp_server.stop()
    scan_all(store, engine, config)
    available = channels(config, engine)
    for _ in range(3):
        assert pump(engine, config, available).get("sent", 0) == 0
        time.sleep(0.5)
    pending = outbox.rows(engine, status="pending")
    assert len(pending) == 1 and pending[0]["attempts"] >= 2
    assert pending[0]["last_error"].startswith(f"SMTP 127.0.0.1:{smtp_server.port}")
    smtp_server.start()
    assert _wait(
        lambda: pump(engine, config, available).get("sent", 0) == 1 or bool(smtp_server.messages), 20
    )
    for _ in range(3):  # more pumps and scans send nothing more
        pump(engine, config, available)
        scan_all(store, engine, config)
    assert len(smtp_server.messages) == 1
    sent = outbox.rows(engine, status="sent")
    assert len(sent) == 1
    assert [entry["outcome"] for entry in outbox.log(engine, sent[0]["id"])][-1] == "sent"


def test_a_repeated_scan_neither_loses_nor_duplicates(
    store: GraphStore,
    settings: Settings,
    watched_world: dict[str, Any],
    tmp_path: Path,
) -> None:
    config = alert_settings(settings)
    watch = _watch(store, watched_world, min_severity=1)
    time.sleep(1.1)
    Loader(store, config, progress=False).load_dir(drift_batch(tmp_path / "b", _legal_rep(store, uscc(1))))
    engine = outbox.open_outbox(config)
    first = scan_all(store, engine, config)
    # a scan killed before its watermark moved is repeated: put the watermark back and scan again
    store.merge_nodes("Watch", [{"id": watch["id"], "last_scanned_at": watch["last_scanned_at"]}])
    second = scan_all(store, engine, config)
    assert first.alerts_new_or_worse == 3 and second.alerts_new_or_worse == 0
    assert second.messages_queued == 0
    assert len(list_alerts(store)) == 3
    assert len(outbox.rows(engine)) == 3 * 3  # three alerts, each once per channel


def test_alert_lifecycle_and_noise_control(
    store: GraphStore, settings: Settings, watched_world: dict[str, Any], tmp_path: Path
) -> None:
    config = alert_settings(settings)
    watch = _watch(store, watched_world)
    tune_watch(store, watch["id"], muted=True)
    time.sleep(1.1)
    Loader(store, config, progress=False).load_dir(drift_batch(tmp_path / "b", _legal_rep(store, uscc(1))))
    engine = outbox.open_outbox(config)
    scan_all(store, engine, config)
    assert len(list_alerts(store)) == 3  # a muted watch still raises (nothing is lost)…
    assert {r["status"] for r in outbox.rows(engine)} == {"held"}  # …but holds its messages
    alert = list_alerts(store)[0]
    assert acknowledge(store, alert["id"], "li.wei")["status"] == "acknowledged"
    assert assign(store, alert["id"], "wang.fang")["assignee"] == "wang.fang"
    with pytest.raises(ValueError, match="needs a reason"):
        close(store, alert["id"], " ")
    closed = close(store, alert["id"], "shell company referred to audit")
    assert closed["status"] == "closed" and closed["closed_reason"] == "shell company referred to audit"
    with pytest.raises(ValueError, match="already closed"):
        close(store, alert["id"], "closed twice")
    assert get_alert(store, alert["id"])["closed_reason"] == "shell company referred to audit"


def test_watch_input_is_checked(store: GraphStore, watched_world: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown condition"):
        WatchSpec(owner="a", unit="GZ", target_label="Gang", target_id="G1", conditions=["new_moon"])
    with pytest.raises(WatchError, match="does not exist"):
        create_watch(store, WatchSpec(owner="a", unit="GZ", target_label="Gang", target_id="G404"))
    with pytest.raises(WatchError, match="needs an e-mail"):
        create_watch(
            store, WatchSpec(owner="a", unit="GZ", target_label="Gang", target_id="G1", channels=["email"])
        )


def test_misconfigured_channels_are_reported_at_start(settings: Settings) -> None:
    report = check_channels(
        settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": 1, "sms_gateway_url": "ftp://gateway"}
        )
    )
    assert report["email"]["configured"] and not report["email"]["ok"]
    assert "not an http(s) URL" in report["sms"]["detail"]
    assert check_channels(settings)["email"] == {
        "configured": False,
        "ok": False,
        "detail": "TIANJI_SMTP_HOST is not set",
    }
