"""Features from what a source's mapping carries beyond the demo's fields: the declaration properties of
the common customs data model (procedure, use, payment, tax type, origin indicator, courier…) as codes,
the amounts (customs value, gross mass, taxes) as numbers, and the columns a mapping marks as model
features (``Declaration.features``), each as a categorical or a number by what the mapping declared.

A source that lacks one leaves it empty; the trainer leaves such features out and says why.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

#: declaration properties read as codes (CatBoost categoricals)
CODES = [
    "procedure",
    "previous_procedure",
    "additional_procedure",
    "import_use",
    "payment_method",
    "tax_type",
    "origin_indicator",
    "courier",
]
#: declaration amounts, as numbers (name of the feature → property)
AMOUNTS = {"log_customs_value": "customs_value", "log_gross_weight": "gross_weight_kg", "log_taxes": "taxes"}
RATIOS = ["tax_to_value", "gross_to_net"]
PREFIX = "f:"  # a mapped feature column's name in the model
MISSING = "NA"


@lru_cache(maxsize=65_536)
def _parsed(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def feature_columns(frame: pd.DataFrame) -> dict[str, str]:
    """The mapped feature columns present in ``frame`` (model name → categorical or numeric)."""
    kinds: dict[str, str] = {}
    if "features" not in frame:
        return kinds
    for text in frame["features"].dropna().unique():
        for name, value in _parsed(str(text)).items():
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            current = kinds.get(PREFIX + name)
            kinds[PREFIX + name] = "numeric" if numeric and current != "categorical" else "categorical"
    return kinds


def _log(values: pd.Series) -> pd.Series:
    return np.log1p(pd.to_numeric(values, errors="coerce").astype(float).clip(lower=0))


def batch(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """The mapped features of every row (``kinds`` from ``feature_columns`` of the training frame)."""
    out = pd.DataFrame(index=frame.index)
    for name in CODES:
        column = frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)
        out[name] = column.map(lambda v: MISSING if _missing(v) else str(v)).astype(str)
    for name, prop in AMOUNTS.items():
        out[name] = _log(frame[prop]) if prop in frame else np.nan
    value = _number(frame, "customs_value")
    with np.errstate(all="ignore"):
        out["tax_to_value"] = (_number(frame, "taxes") / value.where(value > 0)).to_numpy()
        weight = _number(frame, "weight_kg")
        out["gross_to_net"] = (_number(frame, "gross_weight_kg") / weight.where(weight > 0)).to_numpy()
    parsed = (
        frame["features"].map(lambda t: {} if _missing(t) else _parsed(str(t)))
        if "features" in frame
        else None
    )
    for name, kind in kinds.items():
        key = name[len(PREFIX) :]
        values = (
            parsed.map(lambda d, key=key: d.get(key))
            if parsed is not None
            else pd.Series(None, index=frame.index)
        )
        if kind == "numeric":
            out[name] = pd.to_numeric(values, errors="coerce").astype(float)
        else:
            out[name] = values.map(lambda v: MISSING if _missing(v) else str(v)).astype(str)
    return out


def one(row: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    """The same features of one declaration on plain values (the single-declaration path)."""
    out: dict[str, Any] = {}
    for name in CODES:
        out[name] = MISSING if _missing(row.get(name)) else str(row[name])
    for name, prop in AMOUNTS.items():
        value = _float(row.get(prop))
        out[name] = float(np.log1p(max(value, 0.0))) if not np.isnan(value) else float("nan")
    value, taxes = _float(row.get("customs_value")), _float(row.get("taxes"))
    out["tax_to_value"] = taxes / value if value > 0 else float("nan")
    weight, gross = _float(row.get("weight_kg")), _float(row.get("gross_weight_kg"))
    out["gross_to_net"] = gross / weight if weight > 0 else float("nan")
    given = _parsed(str(row["features"])) if not _missing(row.get("features")) else {}
    for name, kind in kinds.items():
        given_value = given.get(name[len(PREFIX) :])
        if kind == "numeric":
            out[name] = _float(given_value)
        else:
            out[name] = MISSING if _missing(given_value) else str(given_value)
    return out


def _number(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, list | dict | tuple) and bool(pd.isna(value)))
