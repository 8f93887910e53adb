"""A second administration's export (the DATE study's layout, CFA francs, a 0/1 label) loads by the mapping
files of examples/date_layout alone, trains, and evaluates; features it cannot feed are left out with
their reasons, never crashed on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graph.store import GraphStore
from ingest.foreign_export import write_export
from ingest.loader import Loader
from ingest.mapping import load_mappings
from scoring import features as F
from scoring.model import ModelError, train
from tianji.core.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "date_layout"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    write_export(folder, rows=3000, seed=3)
    return folder


def _mappings(tmp_path: Path, drop: tuple[str, ...] = ()) -> Path:
    """The example's mapping folder, optionally with some of its lines (properties, links) removed."""
    folder = tmp_path / "mappings"
    shutil.copytree(EXAMPLE, folder)
    path = folder / "declarations.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not any(d in x for d in drop)), encoding="utf-8")
    return folder


def test_the_export_loads_by_its_mappings_alone_and_trains(
    store: GraphStore, settings: Settings, export: Path
) -> None:
    run = Loader(store, settings, progress=False).load_dir(export, load_mappings(EXAMPLE))
    assert run.errors == [] and run.quarantined == 0 and run.loaded == 3000
    row = store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(e:Enterprise) RETURN d.port AS port, d.duty_rate AS rate, "
        "d.value_usd AS usd, d.invoice_amount AS xof, d.procedure AS procedure, e.id_scheme AS scheme LIMIT 1"
    )[0]
    assert len(row["port"]) == 2 and row["rate"] in (0.05, 0.1, 0.2, 0.35) and row["scheme"] == "national"
    assert row["usd"] == pytest.approx(row["xof"] * 0.00165, rel=0.05) and row["procedure"]
    frame = F.load_declarations(store)
    assert frame["inspected"].all() and 0.03 < frame["hit"].mean() < 0.3
    trained = train(store, frame, split_date=str(frame["date"].quantile(0.7).date()), iterations=200)
    metrics, meta = trained.meta["metrics"], trained.meta
    assert metrics["auc"] > 0.7 and metrics["revenue_base@10%"] > 0
    assert {"procedure", "tax_type", "log_customs_value", "agent_prior_hit_rate"} <= set(meta["features"])
    assert (
        "no trade_mode" in meta["omitted"]["trade_mode"]
    )  # the export has no trade mode: left out, said why
    assert {"precision@1%", "recall@20%", "validation_from", "trees"} <= set(metrics)


def test_without_quantity_or_consignee_links_features_are_left_out_with_reasons(
    store: GraphStore, settings: Settings, export: Path, tmp_path: Path
) -> None:
    folder = _mappings(tmp_path, drop=("quantity: quantity", "type: CONSIGNEE"))
    run = Loader(store, settings, progress=False).load_dir(export, load_mappings(folder))
    assert run.quarantined == 0
    frame = F.load_declarations(store)
    assert frame["consignee"].isna().all() and len(frame) == 3000
    trained = train(store, frame, split_date=str(frame["date"].quantile(0.7).date()), iterations=80)
    omitted = trained.meta["omitted"]
    assert "no quantity" in omitted["unit_price_dev"] and "no quantity" in omitted["log_quantity"]
    assert "no CONSIGNEE links" in omitted["prior_hit_rate"]
    assert not set(omitted) & set(trained.meta["features"])
    assert trained.meta["metrics"]["auc"] > 0.6
    json.dumps(trained.meta)  # the report is plain data


def test_an_unmapped_label_says_what_it_saw(
    store: GraphStore, settings: Settings, export: Path, tmp_path: Path
) -> None:
    folder = _mappings(tmp_path)
    path = folder / "declarations.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('{column: illicit, map: {"1": hit, "0": clear}}', "illicit")
    )
    Loader(store, settings, progress=False).load_dir(export, load_mappings(folder))
    frame = F.load_declarations(store)
    with pytest.raises(ModelError, match=r"0 of them hits \(outcomes seen: \{'0': .*mapped to hit and clear"):
        train(store, frame, split_date=str(frame["date"].quantile(0.7).date()), iterations=20)
