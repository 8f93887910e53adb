"""Vessel operators are loaded from their own optional source and tie vessels to enterprises."""

from __future__ import annotations

from pathlib import Path

from graph.store import GraphStore
from ingest.loader import Loader
from tests.ingest.builders import tiny_world, uscc, write_csv
from tianji.core.settings import Settings


def test_operators_tie_vessels_to_enterprises_and_a_row_without_one_ties_nothing(
    store: GraphStore, settings: Settings, tmp_path: Path
) -> None:
    tiny_world(tmp_path)
    write_csv(
        tmp_path / "vessel_operators.csv",
        ["imo", "operator_uscc", "role"],
        [["9074729", uscc(1), "operator"], ["9074729", "", "owner"]],
    )
    Loader(store, settings, progress=False).load_dir(tmp_path)
    rows = store.query(
        "MATCH (e:Enterprise)-[o:OPERATES]->(v:Vessel) RETURN e.id AS e, v.id AS v, o.role AS role"
    )
    assert rows == [{"e": uscc(1), "v": "9074729", "role": "operator"}]
