"""Difficulty profiles: each step adds the confounders it names, recorded in the ground truth and
consistent with the files; the same scale, difficulty and seed give identical files."""

from __future__ import annotations

import csv
import filecmp
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ingest.synthetic import DIFFICULTIES, PROFILES, generate_world
from ingest.synthetic.difficulty import profile
from tianji.cli.main import app


@pytest.fixture(scope="module")
def hard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hard")
    generate_world("small", 5, out, difficulty="hard")
    return out


def rows(world: Path, name: str) -> list[dict[str, str]]:
    with (world / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def truth(world: Path) -> dict[str, Any]:
    return json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))


def test_profiles_are_named_and_unknown_ones_refused() -> None:
    assert DIFFICULTIES == ("easy", "medium", "hard")
    assert PROFILES["easy"].gang_sizes is None and PROFILES["hard"].gang_sizes == (3, 20)
    assert PROFILES["medium"].park_share < PROFILES["hard"].park_share
    with pytest.raises(ValueError, match="unknown difficulty 'brutal'; known: easy, medium, hard"):
        profile("brutal")
    result = CliRunner().invoke(app, ["demo", "generate", "--difficulty", "brutal", "--out", "/tmp/x"])
    assert result.exit_code != 0 and "unknown difficulty" in result.output


def test_hard_world_is_reproducible(hard: Path, tmp_path: Path) -> None:
    generate_world("small", 5, tmp_path, difficulty="hard")
    names = sorted(p.name for p in hard.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(hard, tmp_path, names, shallow=False)
    assert mismatch == [] and errors == []
    assert json.loads((hard / "manifest.json").read_text())["difficulty"] == "hard"


def test_hard_world_plants_its_confounders(hard: Path) -> None:
    t = truth(hard)
    enterprises = {r["uscc"]: r for r in rows(hard, "enterprises.csv")}
    at = Counter(r["address"] for r in enterprises.values())
    parks = t["confounders"]["parks"]
    assert parks and all(at[p["address"]] >= p["tenants"] >= 20 for p in parks)  # dozens at one address
    served = Counter(r["agent_uscc"] for r in rows(hard, "declarations.csv") if r["agent_uscc"])
    importers: dict[str, set[str]] = {}
    for r in rows(hard, "declarations.csv"):
        if r["agent_uscc"]:
            importers.setdefault(r["agent_uscc"], set()).add(r["consignee_uscc"])
    assert served and max(len(v) for v in importers.values()) >= 50  # a broker serving many importers
    assert t["confounders"]["families"] and t["confounders"]["dormant"]
    declaring = {r["consignee_uscc"] for r in rows(hard, "declarations.csv")}
    assert not {u for shelf in t["confounders"]["dormant"] for u in shelf} & declaring
    assert {d["kind"] for d in t["drift_decoys"]} <= {"new_subsidiary", "port_change"}
    for decoy in t["drift_decoys"]:
        assert decoy["enterprise"] in enterprises
        assert all(decoy["enterprise"] not in g["enterprises"] for g in t["gangs"])


def test_hard_gangs_vary_in_shape_and_their_drift_matches_the_files(hard: Path) -> None:
    t = truth(hard)
    enterprises = {r["uscc"]: r for r in rows(hard, "enterprises.csv")}
    owns = {(r["owner_uscc"], r["owned_uscc"]) for r in rows(hard, "ownership.csv")}
    roles = rows(hard, "roles.csv")
    assert {g["template"] for g in t["gangs"]} <= {"dense", "account_only", "phone_only", "holding"}
    for gang in t["gangs"]:
        members = gang["enterprises"]
        assert set(members) <= set(enterprises)
        if gang["template"] == "account_only":
            assert len({enterprises[u]["bank_account"] for u in members}) == 1
            assert len({enterprises[u]["address"] for u in members}) == len(members)
        if gang["template"] == "holding":  # the controller holds the holding, which owns through a layer
            holding = next(
                r["uscc"] for r in roles if r["id_hash"] == gang["controller"] and r["role"] == "shareholder"
            )
            middle = {b for a, b in owns if a == holding}
            assert len(middle) == 2 and any((m, u) in owns for m in middle for u in members)
    cases = {r["id"]: r for r in rows(hard, "cases.csv")}
    for event in t["drift_events"]:
        gang = next(g for g in t["gangs"] if g["id"] == event["gang"])
        if event["kind"] == "port_drift":
            assert event["port"] not in gang["ports"]
        elif not event["standby"]:
            opened = cases[gang["case_id"]]["opened_on"]
            assert all(enterprises[u]["registered_on"] > opened for u in event["enterprises"])


def test_medium_world_sits_between(tmp_path: Path) -> None:
    generate_world("small", 5, tmp_path, difficulty="medium")
    t = truth(tmp_path)
    assert t["difficulty"] == "medium" and t["confounders"]["parks"]
    assert all(p["tenants"] >= 12 for p in t["confounders"]["parks"])
