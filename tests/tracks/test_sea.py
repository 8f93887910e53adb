"""Events at sea on a hard planted AIS world: encounters, dark rendezvous, loitering and gaps found against
the ground truth, the confounders left alone, the events in the graph, and a dark rendezvous raising an alert."""

from __future__ import annotations

import random
import time

import pandas as pd
import pytest

from alerts import outbox
from alerts.scan import scan_watch
from alerts.watches import WatchSpec, create_watch
from graph.store import GraphStore
from ingest.synthetic.parties import vessel_imo
from tests.ingest.builders import uscc
from tianji.core.settings import Settings
from tracks.difficulty import profile
from tracks.events import write_sea_events
from tracks.quality import sea_scores
from tracks.sea import SeaEvents, sea_events
from tracks.store import TrackStore
from tracks.synthetic_sea import SeaTruth, generate_sea

_rng = random.Random(5)
VESSELS = sorted({vessel_imo(_rng) for _ in range(130)})[:120]


@pytest.fixture(scope="module")
def at_sea(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrackStore, SeaTruth, SeaEvents]:
    store = TrackStore(Settings(data_dir=tmp_path_factory.mktemp("sea")))
    points, truth = generate_sea(VESSELS, days=4, difficulty="hard")
    store.ingest(points)
    return store, truth, sea_events(store)


def _involved(found: pd.DataFrame) -> set[str]:
    return set(found["a"]) | set(found["b"])


def test_planted_events_are_found_with_precision_and_recall(
    at_sea: tuple[TrackStore, SeaTruth, SeaEvents],
) -> None:
    _, truth, found = at_sea
    assert len(truth.encounters) >= 6 and len(truth.gaps) >= 8 and len(truth.loitering) >= 6
    scores = sea_scores(found, truth)
    for name, figures in scores.items():
        assert figures["precision"] >= 0.9 and figures["recall"] >= 0.9, (name, figures)
    # a dark rendezvous is an encounter with one vessel silent just before or after it
    for event in found.encounters[found.encounters["dark"]].itertuples():
        assert set(event.dark_vessels) <= {event.a, event.b} and event.dark_vessels
    # encounters obey the rule: two hours or more, slow, close
    assert (found.encounters["hours"] >= 2).all() and (found.encounters["distance_m"] < 500).all()
    assert (found.gaps["hours"] >= 12).all()


def test_confounders_are_not_events(at_sea: tuple[TrackStore, SeaTruth, SeaEvents]) -> None:
    _, truth, found = at_sea
    c = truth.confounders
    assert {"anchorage_groups", "company_pairs", "brief_meetings", "wide_pairs"} <= set(c)
    not_meeting = {
        v
        for kind in ("anchorage_groups", "company_pairs", "brief_meetings", "wide_pairs")
        for g in c[kind]
        for v in g
    }
    assert not (_involved(found.encounters) & not_meeting)
    # waiting at an anchorage and trawling at a few knots are not loitering; drifting 1 km apart is
    slow_but_not_loitering = {v for g in c["anchorage_groups"] + c.get("trawlers", []) for v in g}
    assert not (set(found.loitering["target"]) & slow_but_not_loitering)
    assert {v for g in c["wide_pairs"] for v in g} <= set(found.loitering["target"])
    # encounter vessels are not also loitering while they meet
    assert not (set(found.loitering["target"]) & _involved(found.encounters))
    # AIS switched off at a berth is not a gap at sea
    assert not (set(found.gaps["target"]) & {g[0] for g in c.get("port_blackouts", [])})
    # a gap that ended a day before an encounter does not make it dark
    gapped = {g["vessel"] for g in truth.gaps}
    early = [e for e in truth.encounters if not e["dark"] and gapped & set(e["vessels"])]
    assert early
    for planted in early:
        same = found.encounters[
            (found.encounters["a"] == planted["vessels"][0])
            & (found.encounters["b"] == planted["vessels"][1])
        ]
        assert len(same) and not same["dark"].any()


def test_a_window_reads_only_its_days(at_sea: tuple[TrackStore, SeaTruth, SeaEvents]) -> None:
    store, truth, found = at_sea
    day = str(pd.Timestamp(truth.encounters[0]["start"]).date())
    window = (day, f"{day} 23:59:59")
    assert store.files(*window) and len(store.files(*window)) < len(store.files())
    inside = sea_events(store, window=window).encounters
    assert len(inside) <= len(found.encounters)
    assert (inside["started"] >= pd.Timestamp(day)).all()


def test_bad_difficulty_and_too_short_a_world_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown difficulty 'extreme'"):
        profile("extreme")
    with pytest.raises(ValueError, match="at least three days"):
        generate_sea(VESSELS[:10], days=2)
    assert profile(None).name == "medium" and profile("HARD").name == "hard"


def test_events_in_the_graph_and_a_dark_rendezvous_alert(
    store: GraphStore, settings: Settings, at_sea: tuple[TrackStore, SeaTruth, SeaEvents]
) -> None:
    track_store, truth, found = at_sea
    store.merge_nodes("Vessel", [{"id": v, "imo": v, "name": f"SHIP {v}"} for v in VESSELS])
    dark = next(e for e in found.encounters.itertuples() if e.dark)
    calm = next(v for v in VESSELS if v not in _involved(found.encounters))
    store.merge_nodes(
        "Enterprise",
        [
            {"id": "E-SHIPPING", "uscc": uscc(1), "name": "海运公司"},
            {"id": "E-CALM", "uscc": uscc(2), "name": "平安船务"},
        ],
    )
    store.merge_relationships(
        "OPERATES",
        "Enterprise",
        "Vessel",
        [{"start": "E-SHIPPING", "end": dark.a}, {"start": "E-CALM", "end": calm}],
    )
    watch = create_watch(
        store,
        WatchSpec(
            owner="chen",
            unit="GZ",
            target_label="Enterprise",
            target_id="E-SHIPPING",
            conditions=["dark_rendezvous"],
        ),
        since="2000-01-01T00:00:00",
    )
    quiet = create_watch(
        store,
        WatchSpec(
            owner="chen",
            unit="GZ",
            target_label="Enterprise",
            target_id="E-CALM",
            conditions=["dark_rendezvous"],
        ),
        since="2000-01-01T00:00:00",
    )

    time.sleep(1.1)  # facts count as new when written after the second the watch began
    summary = write_sea_events(store, track_store)
    assert summary == {
        "encounters": len(found.encounters),
        "dark_rendezvous": int(found.encounters["dark"].sum()),
        "loitering": len(found.loitering),
        "ais_gaps": len(found.gaps),
    }
    met = store.query(
        "MATCH (x:Encounter)-[:ENCOUNTER_OF]->(v:Vessel) RETURN x.id AS id, collect(v.id) AS vessels, x.dark AS dark"
    )
    assert len(met) == len(found.encounters) and all(len(r["vessels"]) == 2 for r in met)
    operated = store.query(
        "MATCH (x)-[o:EVENT_OPERATOR]->(e:Enterprise {id: 'E-SHIPPING'}) RETURN labels(x)[0] AS label, o.vessel AS vessel"
    )
    assert {r["vessel"] for r in operated} == {dark.a} and "Encounter" in {r["label"] for r in operated}
    gaps = store.query(
        "MATCH (g:AisGap)-[:GAP_OF]->(v:Vessel) RETURN g.hours AS hours, g.algorithm AS algorithm"
    )
    assert len(gaps) == len(found.gaps) and all(
        r["hours"] >= 12 and r["algorithm"] == "ais_gap" for r in gaps
    )
    assert write_sea_events(store, track_store) == summary  # written twice, the same graph
    assert store.query("MATCH (x:Encounter) RETURN count(x) AS n")[0]["n"] == len(found.encounters)

    engine = outbox.open_outbox(settings)
    report = scan_watch(store, engine, settings, watch)
    assert report.findings >= 1
    evidence = store.query(
        "MATCH (a:Alert)-[:ALERT_ON]->(x:Encounter) WHERE a.id IN $ids RETURN x.dark AS dark, x.vessels AS vessels",
        {"ids": report.alert_ids},
    )
    assert evidence and all(r["dark"] and dark.a in r["vessels"] for r in evidence)
    assert scan_watch(store, engine, settings, quiet).findings == 0
    assert len(truth.encounters) >= len(evidence)
