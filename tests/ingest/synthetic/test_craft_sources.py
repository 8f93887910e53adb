"""The vehicle and vessel records name their sources as craft.yaml does, every source playing its part."""

from __future__ import annotations

import csv
from pathlib import Path

from ingest.synthetic import craft
from tests.ingest.resolution.test_craft import fleet_of_vessels


def test_vehicle_records_come_from_the_sources_craft_yaml_names(small_world: Path) -> None:
    rows = list(csv.DictReader((small_world / "vehicle_records.csv").open(encoding="utf-8")))
    assert {r["source"] for r in rows} == set(craft.DATA["vehicle_sources"].values())
    registry = [r for r in rows if r["source"] == craft.DATA["vehicle_sources"]["registry"]]
    assert registry and any(r["vin"] and r["owner_uscc"] for r in registry)  # the registry holds every field


def test_vessel_records_come_from_the_sources_craft_yaml_names() -> None:
    rows, _ = fleet_of_vessels(40)
    assert {r["source"] for r in rows} == set(craft.DATA["vessel_sources"].values())
    registry = [r for r in rows if r["source"] == craft.DATA["vessel_sources"]["registry"]]
    assert registry and all(r["build_year"] and r["ship_type"] for r in registry)
