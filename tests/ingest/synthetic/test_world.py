"""The synthetic world: reproducible, valid for the ontology, and its ground truth consistent with its files."""

from __future__ import annotations

import csv
import filecmp
import json
from pathlib import Path
from typing import Any

import pytest

from ingest.keys import address_id
from ingest.mapping import load_mappings
from ingest.synthetic import generate_world
from ontology import get_ontology


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world("small", 3, out, difficulty="easy")
    return out


def rows(world: Path, name: str) -> list[dict[str, str]]:
    with (world / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def truth(world: Path) -> dict[str, Any]:
    return json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))


def test_same_scale_and_seed_give_identical_files(world: Path, tmp_path: Path) -> None:
    generate_world("small", 3, tmp_path, difficulty="easy")
    names = sorted(p.name for p in world.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(world, tmp_path, names, shallow=False)
    assert mismatch == [] and errors == []


def test_every_mapped_file_and_column_is_present(world: Path) -> None:
    absent = {m.source for m in load_mappings() if not (world / m.source).exists()}
    assert absent <= {"vessel_operators.csv"}  # the one source docs/world.md calls optional
    for mapping in load_mappings():
        if mapping.source in absent:
            continue
        header = next(csv.reader((world / mapping.source).open(encoding="utf-8")))
        assert mapping.columns <= set(header), (mapping.source, mapping.columns - set(header))


def test_values_pass_the_ontology_value_types(world: Path) -> None:
    onto = get_ontology()
    checks = {
        "enterprises.csv": {"uscc": ("Enterprise", "uscc"), "registered_on": ("Enterprise", "registered_on")},
        "declarations.csv": {
            "date": ("Declaration", "date"),
            "hs_code": ("Declaration", "hs_code"),
            "origin": ("Declaration", "origin"),
            "port": ("Declaration", "port"),
            "value_usd": ("Declaration", "value_usd"),
            "consignee_uscc": ("Enterprise", "uscc"),
        },
        "vehicles.csv": {"plate": ("Vehicle", "plate")},
        "vessels.csv": {"imo": ("Vessel", "imo")},
    }
    for name, columns in checks.items():
        for row in rows(world, name):
            for column, (label, prop) in columns.items():
                onto.node(label).prop(prop).clean(row[column])  # raises on an invalid value


def test_ground_truth_matches_the_files(world: Path) -> None:
    t = truth(world)
    enterprises = {r["uscc"]: r for r in rows(world, "enterprises.csv")}
    trades = {(r["seller_uscc"], r["buyer_uscc"]) for r in rows(world, "transactions.csv")}
    owns = {(r["owner_uscc"], r["owned_uscc"]) for r in rows(world, "ownership.csv")}
    cases = {r["id"]: r for r in rows(world, "cases.csv")}
    assert len(t["gangs"]) == 6
    for name, key in (
        ("enterprises.csv", "uscc"),
        ("persons.csv", "id_hash"),
        ("vehicles.csv", "plate"),
        ("declarations.csv", "entry_no"),
        ("vessels.csv", "imo"),
    ):
        keys = [r[key] for r in rows(world, name)]
        assert len(keys) == len(set(keys)), f"duplicate {key} in {name}"
    for gang in t["gangs"]:
        assert set(gang["enterprises"]) <= set(enterprises)
        loop = gang["trade_loop"]
        assert len(loop) >= 3 and all(pair in trades for pair in zip(loop, loop[1:] + loop[:1], strict=True))
        own = gang["ownership_loop"]
        assert all(pair in owns for pair in zip(own, own[1:] + own[:1], strict=True))
        shared = {address_id(enterprises[u]["address"]) for u in gang["enterprises"]}
        assert len(shared) == 1  # the gang's shells share one address
    for event in t["drift_events"]:
        gang = next(g for g in t["gangs"] if g["id"] == event["gang"])
        opened = cases[gang["case_id"]]["opened_on"]
        assert all(enterprises[u]["registered_on"] > opened for u in event["enterprises"])
        if event["kind"] == "port_drift":
            assert event["port"] not in gang["ports"]


def test_case_layers_follow_from_roles_and_cases(world: Path) -> None:
    t = truth(world)["case_subjects"]
    subjects = rows(world, "case_subjects.csv")
    criminal = {r["id"] for r in rows(world, "cases.csv") if r["kind"] == "criminal"}
    assert t["layer1_enterprises"] == sorted(
        {s["subject_key"] for s in subjects if s["subject_label"] == "Enterprise"}
    )
    persons = {
        s["subject_key"] for s in subjects if s["subject_label"] == "Person" and s["case_id"] in criminal
    }
    assert t["criminal_persons"] == sorted(persons)
    office = {
        r["uscc"]
        for r in rows(world, "roles.csv")
        if r["id_hash"] in persons and r["role"] in ("legal_rep", "shareholder", "manager")
    }
    assert t["layer2_enterprises"] == sorted(office)


def test_every_overseas_spelling_has_one_true_party(world: Path) -> None:
    identity = {(i["name"], i["country"]): i["party"] for i in truth(world)["overseas_identity"]}
    used = {(r["overseas_name"], r["overseas_country"]) for r in rows(world, "declarations.csv")}
    assert used == set(identity)
    parties = set(identity.values())
    assert len(used) > len(parties)  # parties appear under several spellings
