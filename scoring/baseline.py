"""A plain CatBoost on a source's raw columns: the baseline the project's model is measured against.

It reads the declaration files as they are (every column but the declaration's id, its dates and the
columns that feed inspection outcomes), takes text columns as categoricals and numbers as numbers, and is
trained with the same split, validation period, early stopping and CatBoost settings as the project's
model, on the same inspected declarations. Nothing of the graph, the history or the indicators.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from catboost import Pool

from ingest.mapping import Mapping
from scoring.fitting import fit_early_stopped
from scoring.model import evaluate

NUMERIC_SHARE = 0.95  # a column is a number when this share of its values parse as one


def raw_columns(directory: Path, mappings: list[Mapping]) -> pd.DataFrame:
    """The raw columns of every declaration file, indexed by the declaration's id as the mapping reads it."""
    parts = []
    for mapping in mappings:
        nodes = {n.label: n for n in mapping.nodes}
        declaration = nodes.get("Declaration")
        path = directory / mapping.source
        if declaration is None or declaration.id.column is None or not path.exists():
            continue
        table = pd.read_csv(
            path, dtype=str, sep=mapping.delimiter, encoding=mapping.encoding, keep_default_na=False
        )
        outcome = {
            c
            for n in mapping.nodes
            if n.label == "Inspection"
            for s in n.properties.values()
            for c in s.source_columns
        }
        dates = (
            set(declaration.properties["date"].source_columns) if "date" in declaration.properties else set()
        )
        key = declaration.id.column
        keep = [c for c in table.columns if c not in outcome | dates | {key}]
        part = table[keep].replace("", np.nan)
        part.index = table[key].str.strip()
        for column in keep:
            numbers = pd.to_numeric(part[column].str.replace(",", ""), errors="coerce")
            if numbers.notna().sum() >= NUMERIC_SHARE * max(part[column].notna().sum(), 1):
                part[column] = numbers.astype(float)
            else:
                part[column] = part[column].fillna("NA").astype(str)
        parts.append(part)
    if not parts:
        raise ValueError(f"no declaration file of the mappings in {directory}")
    raw = pd.concat(parts)
    return raw[~raw.index.duplicated()]


def plain_model(
    frame: pd.DataFrame, raw: pd.DataFrame, *, split_date: str, iterations: int = 1000, seed: int = 7
) -> dict[str, Any]:
    """Train and evaluate the plain CatBoost on ``raw`` over the inspected declarations of ``frame``."""
    X = raw.reindex(frame["entry_no"].astype(str).to_numpy()).reset_index(drop=True)
    cats = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    for c in cats:
        X[c] = X[c].fillna("NA").astype(str)
    labelled = frame["inspected"].to_numpy()
    before = (frame["date"] < split_date).to_numpy()
    fit, test = labelled & before, labelled & ~before
    model, fitting = fit_early_stopped(
        X[fit].reset_index(drop=True),
        frame.loc[fit, "hit"].reset_index(drop=True),
        frame.loc[fit, "date"].reset_index(drop=True),
        cats,
        iterations=iterations,
        seed=seed,
    )
    scores = model.predict_proba(Pool(X[test], cat_features=cats))[:, 1]
    revenue = frame.loc[test, "recovered_duty"].fillna(0).to_numpy()
    return {
        "features": list(X.columns),
        **fitting,
        **evaluate(scores, frame.loc[test, "hit"].to_numpy(), revenue),
    }
