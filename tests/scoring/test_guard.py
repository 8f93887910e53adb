"""The guard: the project's model never below a plain model on the declaration's raw columns. Both are fit
on the training period and compared on its validation period; the plain feature set is used when the
project's scores worse there, and the training report says which and why."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graph.store import GraphStore
from ingest.foreign_export import write_export
from ingest.loader import Loader
from ingest.mapping import load_mappings
from scoring import features as F
from scoring.baseline import plain_model, raw_columns
from scoring.fitting import guarded_fit
from scoring.model import train
from tianji.core.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "date_layout"


def _relabel(folder: Path, seed: int = 4) -> None:
    """The export's outcome redrawn from the declaration's own columns alone (office, tax rate, country):
    whatever the history, the graph or the indicators add is noise."""
    rng = np.random.default_rng(seed)
    path = folder / "declarations.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        z = -3.2 + 1.8 * (int(row["office.id"]) % 4 == 0) + 1.2 * (float(row["tax.rate"]) >= 20)
        z += 1.0 * (row["country"] in ("TN", "RO", "VN")) + 0.8 * (row["process.type"] == "IM7")
        hit = rng.random() < 1 / (1 + math.exp(-z))
        row["illicit"], row["revenue"] = ("1", "1000") if hit else ("0", "0")
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_where_the_project_features_are_noise_the_chosen_model_is_not_below_plain(
    store: GraphStore, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    write_export(folder, rows=4000, seed=8)
    _relabel(folder)
    mappings = load_mappings(EXAMPLE)
    assert Loader(store, settings, progress=False).load_dir(folder, mappings).quarantined == 0
    frame = F.load_declarations(store)
    split = str(frame["date"].quantile(0.7).date())
    trained = train(store, frame, split_date=split, iterations=300)
    guard = trained.meta["metrics"]["guard"]
    assert {"project_validation_auc", "plain_validation_auc", "chosen", "reason"} <= set(guard)
    # the outcome that matters, on the test period neither fit saw: not below the raw columns' model
    plain = plain_model(frame, raw_columns(folder, mappings), split_date=split, iterations=300)
    assert trained.meta["metrics"]["auc"] >= plain["auc"], (
        trained.meta["metrics"]["auc"],
        plain["auc"],
        guard,
    )


def _noise_frame(
    n: int = 3000, signal_in_extras: bool = False, seed: int = 2
) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    port = rng.integers(0, 12, n)
    value = rng.normal(0, 1, n)
    extras = {name: rng.normal(0, 1, n) for name in F.HISTORY + F.GRAPH}
    z = -2.0 + 1.5 * (port % 3 == 0) + 0.8 * value
    if signal_in_extras:
        z = z + 2.0 * extras["prior_hit_rate"]
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-z))).astype(int))
    X = pd.DataFrame({"port": port.astype(str), "log_value": value, **extras})
    return X, y


@pytest.mark.parametrize(("signal_in_extras", "expected"), [(False, "plain"), (True, "project")])
def test_the_guard_chooses_by_the_validation_period(signal_in_extras: bool, expected: str) -> None:
    """Twenty history and graph columns of pure noise: the plain model on the two columns that carry the
    signal is chosen. The same columns carrying most of the signal: the project's."""
    X, y = _noise_frame(signal_in_extras=signal_in_extras)
    dates = pd.Series(pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(len(X)) // 10, unit="D"))
    names, plain = list(X.columns), ["port", "log_value"]
    model, chosen, fitting, guard = guarded_fit(X, y, dates, names, plain, {}, iterations=200, seed=7)
    assert guard["chosen"] == expected
    assert list(model.feature_names_) == (plain if expected == "plain" else names)
    assert fitting["trees"] >= 20
