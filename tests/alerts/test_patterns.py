"""Pattern watches: alerts on what happens (a kind of declaration, a ring built like a drawn one), not on who."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from alerts import outbox
from alerts.patterns import DeclarationPattern, RingPattern, WatchPattern
from alerts.raising import list_alerts
from alerts.scan import scan_all
from alerts.watches import WatchError, WatchSpec, create_watch, now, tune_watch
from graph.store import GraphStore
from ingest.loader import Loader
from tests.alerts.conftest import alert_settings
from tests.alerts.test_alerts import drift_batch
from tests.ingest.builders import uscc
from tianji.core.settings import Settings


def _pattern_watch(store: GraphStore, pattern: WatchPattern) -> dict[str, Any]:
    spec = WatchSpec(owner="li.wei", unit="GZ", target_label="Pattern", pattern=pattern)
    return create_watch(store, spec)


def _legal_rep(store: GraphStore, enterprise: str) -> str:
    return store.query(
        "MATCH (p:Person)-[:LEGAL_REP_OF]->(e:Enterprise {id: $e}) RETURN p.id AS id", {"e": enterprise}
    )[0]["id"]


def test_declaration_pattern_alerts_on_young_consignees_only(
    store: GraphStore, settings: Settings, watched_world: dict[str, Any], tmp_path: Path
) -> None:
    laptops_by_young_firms = WatchPattern(
        declarations=DeclarationPattern(hs_prefixes=["8471"], consignee_registered_within_days=90)
    )
    any_laptops = WatchPattern(declarations=DeclarationPattern(hs_prefixes=["8471"], origins=["VN"]))
    fish = WatchPattern(declarations=DeclarationPattern(hs_prefixes=["0303"]))
    young = _pattern_watch(store, laptops_by_young_firms)
    broad = _pattern_watch(store, any_laptops)
    _pattern_watch(store, fish)
    assert young["target_label"] == "Pattern" and young["conditions"] == ["pattern_match"]
    assert "HS 8471" in young["title"] and "90 days" in young["title"]

    time.sleep(1.1)  # facts count as new from the second after the watch was set
    person = _legal_rep(store, watched_world["members"][0])
    Loader(store, settings, progress=False).load_dir(drift_batch(tmp_path / "batch", person))
    engine = outbox.open_outbox(alert_settings(settings, None, None))
    scan_all(store, engine, settings)

    alerts = {a["watch_id"]: a for a in list_alerts(store)}
    assert set(alerts) == {young["id"], broad["id"]}  # nothing was declared under 0303
    # the shell registered 9 days before declaring matches; the member registered in 2020 does not
    assert alerts[young["id"]]["cause"] == f"pattern:{uscc(9)}"
    assert "Declaration:520020250000000001" in alerts[young["id"]]["evidence"]
    assert not any("510020250000000002" in e for e in alerts[young["id"]]["evidence"])
    broad_causes = sorted(a["cause"] for a in list_alerts(store) if a["watch_id"] == broad["id"])
    assert broad_causes == sorted([f"pattern:{uscc(9)}", f"pattern:{uscc(1)}"])  # one alert per consignee

    # a second scan, with nothing new, raises nothing more
    assert scan_all(store, engine, settings).alerts_new_or_worse == 0
    assert len(list_alerts(store)) == 3


def test_ring_pattern_alerts_on_a_newly_detected_gang_built_like_the_drawing(
    store: GraphStore, settings: Settings, watched_world: dict[str, Any]
) -> None:
    drawn = WatchPattern(ring=RingPattern(enterprises=2, shared={"Person": 1, "Address": 1}, trade_loop=True))
    watch = _pattern_watch(store, drawn)
    an_hour_ago = (dt.datetime.fromisoformat(now()) - dt.timedelta(hours=1)).isoformat()
    store.merge_nodes(
        "Watch", [{"id": watch["id"], "created_at": an_hour_ago, "last_scanned_at": an_hour_ago}]
    )
    later = now()
    # two gangs appear after the watch: one of two shells sharing a legal rep and an address and trading
    # with each other (the
    # drawing), one of two unrelated enterprises (not the drawing)
    store.merge_nodes(
        "Gang",
        [
            {"id": "G-like", "status": "active", "first_detected_at": later},
            {"id": "G-other", "status": "active", "first_detected_at": later},
        ],
    )
    store.merge_relationships(
        "MEMBER_OF",
        "Enterprise",
        "Gang",
        [
            {"start": uscc(1), "end": "G-like"},
            {"start": uscc(2), "end": "G-like"},
            {"start": uscc(3), "end": "G-other"},
            {"start": uscc(4), "end": "G-other"},
        ],
    )
    engine = outbox.open_outbox(alert_settings(settings, None, None))
    scan_all(store, engine, settings)
    alerts = [a for a in list_alerts(store) if a["watch_id"] == watch["id"]]
    # G1 of the watched world was detected before the watch (no first_detected_at): not new
    assert [a["cause"] for a in alerts] == ["ring:G-like"]
    assert alerts[0]["severity"] == 4 and "Gang:G-like" in alerts[0]["evidence"]


def test_pattern_watch_input_is_checked(store: GraphStore, watched_world: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="at least one criterion"):
        DeclarationPattern()
    with pytest.raises(ValidationError, match="2-10 digits"):
        DeclarationPattern(hs_prefixes=["84x"])
    with pytest.raises(ValidationError, match="alpha-2"):
        DeclarationPattern(origins=["Vietnam"])
    with pytest.raises(ValidationError, match="declaration pattern, a ring pattern or both"):
        WatchPattern()
    with pytest.raises(ValidationError, match="nothing shared"):
        WatchPattern(ring=RingPattern(enterprises=4))
    with pytest.raises(ValidationError, match="cannot share"):
        WatchPattern(ring=RingPattern(enterprises=3, shared={"Declaration": 1}))
    with pytest.raises(ValidationError, match="needs a pattern"):
        WatchSpec(owner="a", unit="GZ", target_label="Pattern")
    with pytest.raises(ValidationError, match="pattern watches only"):
        WatchSpec(owner="a", unit="GZ", target_label="Gang", target_id="G1", conditions=["pattern_match"])
    pattern = WatchPattern(declarations=DeclarationPattern(ports=["5200"]))
    with pytest.raises(ValidationError, match="one condition, pattern_match"):
        WatchSpec(owner="a", unit="GZ", target_label="Pattern", pattern=pattern, conditions=["new_port"])
    watch = create_watch(store, WatchSpec(owner="a", unit="GZ", target_label="Pattern", pattern=pattern))
    with pytest.raises(WatchError, match="one condition"):
        tune_watch(store, watch["id"], conditions=["new_port"])
    assert tune_watch(store, watch["id"], min_severity=4)["min_severity"] == 4
    # the same pattern by the same owner is one watch, not two
    again = create_watch(store, WatchSpec(owner="a", unit="GZ", target_label="Pattern", pattern=pattern))
    assert again["id"] == watch["id"]


def test_a_fact_written_while_the_last_scan_ran_is_still_seen_and_a_closed_alert_stays_closed(
    store: GraphStore, settings: Settings, watched_world: dict[str, Any], tmp_path: Path
) -> None:
    from alerts.raising import close

    watch = _pattern_watch(store, WatchPattern(declarations=DeclarationPattern(ports=["5200"])))
    a_day_ago = (dt.datetime.fromisoformat(now()) - dt.timedelta(days=1)).isoformat()
    store.merge_nodes("Watch", [{"id": watch["id"], "created_at": a_day_ago}])  # set up yesterday
    time.sleep(1.1)
    engine = outbox.open_outbox(alert_settings(settings, None, None))
    assert scan_all(store, engine, settings).findings == 0
    # the batch is stamped 30 s before the scan's watermark, as when a load began before the scan ran and
    # committed after its queries
    person = _legal_rep(store, watched_world["members"][0])
    Loader(store, settings, progress=False).load_dir(drift_batch(tmp_path / "batch", person))
    scanned = store.node("Watch", watch["id"])["properties"]["last_scanned_at"]  # type: ignore[index]
    earlier = (dt.datetime.fromisoformat(scanned) - dt.timedelta(seconds=30)).isoformat()
    store.query("MATCH (d:Declaration {id: '520020250000000001'}) SET d.ingested_at = $t", {"t": earlier})
    report = scan_all(store, engine, settings)
    assert report.alerts_new_or_worse == 1
    (alert,) = [a for a in list_alerts(store) if a["watch_id"] == watch["id"]]
    close(store, alert["id"], "checked: a legitimate first shipment")
    # the next scans look back over the same window: the closed alert is not raised again
    assert scan_all(store, engine, settings).alerts_new_or_worse == 0
    assert [a["status"] for a in list_alerts(store) if a["watch_id"] == watch["id"]] == ["closed"]
