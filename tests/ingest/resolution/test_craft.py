"""Vehicles and vessels from other sources' records: re-registered plates and renamed, re-flagged ships are
found again, fleets of identical trucks and sister ships stay apart, and the records reach the graph's
Vehicle and Vessel nodes by SAME_AS with method, weight and explanation."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest

from graph.store import GraphStore
from ingest.resolution import link, pairwise
from ingest.resolution.config import vehicle_config, vessel_config
from ingest.resolution.prepare import InputError
from ingest.resolution.subjects import resolve_records
from ingest.synthetic import craft
from ingest.synthetic.parties import vessel_imo
from tests.conftest import ground_truth
from tianji.core.settings import Settings


def _rows(world: Path, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader((world / name).open(encoding="utf-8")))


def fleet_of_vessels(n: int, seed: int = 5) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The records of ``n`` registered vessels (and their sisters and namesakes) with their true IMO."""
    rng = random.Random(seed)
    taken: set[str] = set()
    registered = []
    for i in range(n):
        name = craft._ship_name(rng, taken)
        registered.append([vessel_imo(rng), f"4{i:08d}", name, rng.choice(["HK", "SG", "CN"]), "container"])
    rows, truth = craft.vessel_records(registered, rng)
    return [dict(zip(craft.VESSEL_COLUMNS, r, strict=True)) for r in rows], truth


def test_re_registered_plates_are_found_and_identical_fleet_trucks_kept_apart(small_world: Path) -> None:
    rows = _rows(small_world, "vehicle_records.csv")
    truth = ground_truth(small_world)["vehicle_identity"]
    plates: dict[str, set[str]] = {}
    for row in rows:
        plates.setdefault(truth[row["record_id"]], set()).add(row["plate"])
    assert any(len(p) > 1 for p in plates.values())  # the world holds re-registered plates
    result = link(rows, vehicle_config())
    scores = pairwise(result.clusters, truth)
    assert scores["precision"] >= 0.98 and scores["recall"] >= 0.95
    cluster_plates: dict[str, set[str]] = {}
    for row in rows:
        cluster_plates.setdefault(result.clusters[row["record_id"]], set()).add(row["plate"])
    assert sum(len(p) > 1 for p in cluster_plates.values()) >= sum(len(p) > 1 for p in plates.values()) // 2


def test_renamed_and_reflagged_vessels_are_found_and_sisters_kept_apart() -> None:
    rows, truth = fleet_of_vessels(150)
    names: dict[str, set[str]] = {}
    for row in rows:
        names.setdefault(truth[row["record_id"]], set()).add(row["name"].split(" ", 1)[-1])
    result = link(rows, vessel_config())
    scores = pairwise(result.clusters, truth)
    assert scores["precision"] >= 0.98 and scores["recall"] >= 0.95
    by_id = {r["record_id"]: r for r in rows}
    members = result.members()
    renamed = [m for m in members.values() if len({by_id[r]["flag"] for r in m} - {""}) > 1]
    assert renamed  # renamed, re-flagged ships found again through their IMO number
    # sister ships share type, year, tonnage and flag and a similar name, yet stay apart
    sisters = [
        (a, b)
        for a in rows
        for b in rows
        if a["source"] == b["source"] == "ship_registry"
        and a["imo"] < b["imo"]
        and (a["build_year"], a["gross_tonnage"]) == (b["build_year"], b["gross_tonnage"])
    ]
    assert sisters and all(
        result.clusters[a["record_id"]] != result.clusters[b["record_id"]] for a, b in sisters
    )


def _same_as(store: GraphStore, label: str) -> list[dict[str, Any]]:
    return store.query(
        f"MATCH (r:SourceRecord)-[l:SAME_AS]->(s:{store.label(label)}) "
        "RETURN r.id AS r, r.plate AS plate, r.name AS name, s.id AS s, s.vin AS vin, l.method AS method, "
        "l.weight AS weight, l.explanation AS explanation",
        read_only=True,
    )


def test_vehicle_records_reach_their_vehicle_by_its_current_plate(
    world_store: GraphStore, small_world: Path, settings: Settings
) -> None:
    rows = _rows(small_world, "vehicle_records.csv")
    truth = ground_truth(small_world)["vehicle_identity"]
    result, summary = resolve_records(world_store, settings, "vehicle", rows)
    assert summary["kind"] == "vehicle" and summary["identified"] > 0
    linked = _same_as(world_store, "Vehicle")
    assert len(linked) >= 0.9 * len(rows)
    wrong = [r for r in linked if truth[r["r"]] != r["s"]]
    assert len(wrong) <= 0.02 * len(linked)
    old_plates = [r for r in linked if r["plate"] != r["s"] and truth[r["r"]] == r["s"]]
    assert old_plates  # a re-registered vehicle's old plate leads to the vehicle under its new plate
    assert all(r["vin"] for r in old_plates)  # the vehicle now carries the VIN its records hold
    explained = [r for r in linked if r["method"].startswith("fellegi-sunter")]
    assert explained and all(r["weight"] is not None for r in explained)
    assert json.loads(explained[0]["explanation"])[0]["field"] == "prior"
    again, _ = resolve_records(world_store, settings, "vehicle", rows)
    assert again.clusters == result.clusters


def test_vessel_records_reach_their_vessel_and_unknown_ships_become_vessels(
    world_store: GraphStore, small_world: Path, settings: Settings
) -> None:
    rows = _rows(small_world, "vessel_records.csv")
    truth = ground_truth(small_world)["vessel_identity"]
    registered = {r["imo"] for r in _rows(small_world, "vessels.csv")}
    _, summary = resolve_records(world_store, settings, "vessel", rows)
    assert summary["new_subjects"] == len(set(truth.values()) - registered) > 0  # sisters, MMSI reusers
    linked = _same_as(world_store, "Vessel")
    assert linked and all(truth[r["r"]] == r["s"] for r in linked)
    names = world_store.query(
        "MATCH (r:SourceRecord {kind: 'vessel'})-[:SAME_AS]->(v:Vessel) "
        "RETURN v.id AS v, collect(DISTINCT r.flag) AS flags",
        read_only=True,
    )
    assert any(len([f for f in n["flags"] if f]) > 1 for n in names)  # one vessel, records under two flags


def test_a_truck_without_its_vin_that_matches_two_identical_fleet_trucks_joins_neither(
    small_world: Path,
) -> None:
    rows = _rows(small_world, "vehicle_records.csv")
    owner = "91440300MA5FLEET01"
    for k, plate in enumerate(("粤B9F001", "粤B9F002")):  # two identical trucks of one owner
        for source in ("vehicle_registry", "insurance"):
            rows.append(
                {
                    **dict.fromkeys(craft.VEHICLE_COLUMNS, ""),
                    "record_id": f"F{k}-{source}",
                    "source": source,
                    "plate": plate,
                    "vin": f"LZZ7CLTB1PA00012{k}",
                    "engine_no": f"ZX1000000{k}",
                    "make": "SINOTRUK",
                    "model": "HOWO T7H",
                    "colour": "white",
                    "owner_uscc": owner,
                }
            )
    rows.append(  # a new plate's extract: neither VIN nor engine number, the fleet's owner and description
        {
            **dict.fromkeys(craft.VEHICLE_COLUMNS, ""),
            "record_id": "F-new",
            "source": "vehicle_registry",
            "plate": "粤B9F777",
            "make": "SINOTRUK",
            "model": "HOWO T7H",
            "colour": "white",
            "owner_uscc": owner,
        }
    )
    result = link(rows, vehicle_config())
    assert result.clusters["F0-insurance"] == result.clusters["F0-vehicle_registry"]
    assert result.clusters["F0-insurance"] != result.clusters["F1-insurance"]
    assert result.clusters["F-new"] == "F-new"  # it joins neither truck
    held = [p for p in result.pairs if "F-new" in (p.a, p.b) and p.score >= vehicle_config().accept]
    assert held and all(p.decision == "review" for p in held)
    assert "about as well" in held[0].explanation[-1]["level"]


def test_a_cannot_link_holds_even_against_a_shared_imo_number_and_is_flagged_when_contradicted() -> None:
    rows, truth = fleet_of_vessels(60)
    by_imo: dict[str, list[str]] = {}
    for row in rows:
        if row["imo"]:
            by_imo.setdefault(row["imo"], []).append(row["record_id"])
    a, b, c = next(ids for ids in by_imo.values() if len(ids) >= 3)[:3]
    result = link(rows, vessel_config(), cannot_link=[(a, b)])
    assert result.clusters[a] != result.clusters[b]
    assert result.clusters[c] in (result.clusters[a], result.clusters[b])
    assert any(x["record"] == c and (x["a"], x["b"]) == (a, b) for x in result.contradictions)
    held = [
        p for p in result.pairs if p.method == "strong_key" and {p.a, p.b} & {a, b} and p.decision == "review"
    ]
    assert held and "a reviewer said" in held[0].explanation[-1]["level"]


def test_values_a_subjects_type_refuses_are_left_out_and_a_missing_column_is_named(
    store: GraphStore, settings: Settings
) -> None:
    rows, _ = fleet_of_vessels(30)
    imo = rows[0]["imo"]
    for row in rows:
        if row["imo"] == imo:
            row["flag"], row["mmsi"] = "Panama", "not-a-mmsi"
    resolve_records(store, settings, "vessel", rows)
    (vessel,) = store.query(
        "MATCH (v:Vessel {id: $imo}) RETURN v.flag AS flag, v.mmsi AS mmsi, v.name AS name", {"imo": imo}
    )
    assert vessel["flag"] is None and vessel["mmsi"] is None and vessel["name"]
    with pytest.raises(InputError, match="engine_no"):
        resolve_records(store, settings, "vehicle", [{"record_id": "1", "plate": "粤B12345", "vin": ""}])
