"""Another administration's export loads through mapping files alone and trains through the same pipeline."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from graph.store import GraphStore
from ingest.loader import Loader
from ingest.mapping import load_mappings
from scoring import features as F
from scoring.model import train
from tianji.core.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "other_administration"
RENAMED = {
    "entry_no": "DECL_NO",
    "date": "DECL_DATE",
    "direction": "FLOW",
    "port": "CUSTOMS_OFFICE",
    "trade_mode": "REGIME",
    "hs_code": "COMMODITY_CODE",
    "goods": "DESCRIPTION",
    "value_usd": "VALUE_USD",
    "weight_kg": "NET_MASS_KG",
    "quantity": "SUPPL_UNITS",
    "origin": "COUNTRY_OF_ORIGIN",
    "transport": "MODE_OF_TRANSPORT",
    "duty_rate": "DUTY_RATE",
    "consignee_uscc": "IMPORTER_ID",
    "overseas_name": "SUPPLIER",
    "overseas_country": "SUPPLIER_COUNTRY",
}


def _export(world: Path, folder: Path) -> None:
    """The small world's declarations and inspections as the other administration writes them: its own
    column names, several of ours missing, two columns of its own."""
    with (
        (world / "declarations.csv").open(encoding="utf-8") as src,
        (folder / "foreign_declarations.csv").open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.DictWriter(out, [*RENAMED.values(), "LICENCE_NO", "LOCAL_RISK_FLAG"])
        writer.writeheader()
        for i, row in enumerate(csv.DictReader(src)):
            writer.writerow(
                {new: row[old] for old, new in RENAMED.items()}
                | {"LICENCE_NO": f"L{i:06d}", "LOCAL_RISK_FLAG": "Y" if i % 9 == 0 else ""}
            )
    with (
        (world / "inspections.csv").open(encoding="utf-8") as src,
        (folder / "foreign_controls.csv").open("w", encoding="utf-8", newline="") as out,
    ):
        controls = csv.writer(out)
        controls.writerow(["CONTROL_ID", "DECL_NO", "CONTROL_DATE", "RESULT", "DUTY_RECOVERED"])
        for row in csv.DictReader(src):
            controls.writerow(
                [row["id"], row["entry_no"], row["date"], row["outcome"], row["recovered_duty"]]
            )


def test_another_administrations_export_loads_and_trains_with_no_code_change(
    store: GraphStore, settings: Settings, small_world: Path, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    base.mkdir()
    for name in ("countries.csv", "hs_codes.csv", "ports.csv", "enterprises.csv"):
        shutil.copy(small_world / name, base / name)
    Loader(store, settings, progress=False).load_dir(base)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    _export(small_world, foreign)
    run = Loader(store, settings, progress=False).load_dir(foreign, load_mappings(EXAMPLE))
    assert sum(f.quarantined for f in run.files) == 0 and sum(f.loaded for f in run.files) > 0
    raw = store.query("MATCH (d:Declaration) WHERE d.raw IS NOT NULL RETURN d.raw AS raw LIMIT 1")[0]["raw"]
    assert set(json.loads(raw)) >= {"LICENCE_NO"}  # its own columns are kept, not lost
    frame = F.load_declarations(store)
    assert frame["inspected"].sum() > 100
    trained = train(store, frame, split_date=str(frame["date"].quantile(0.75).date()), iterations=60)
    assert trained.meta["metrics"]["auc"] > 0.6 and "hs4" in trained.meta["features"]
