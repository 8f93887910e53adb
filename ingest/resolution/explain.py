"""A scored pair's explanation: the waterfall of match weights a reviewer reads.

The first step is the prior (how likely two random records are the same subject), then one step per field:
the comparison level the pair fell in, its weight in bits (log2 of m/u; positive is evidence for, negative
against), with the rarity adjustment of an exact agreement and a note where a value was generic.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ingest.resolution.config import LinkageConfig
from ingest.resolution.prepare import Prepared


def level_labels(linker: Any) -> dict[str, dict[float, str]]:
    """Each comparison's levels by their match weight (rounded), which names the level a predicted pair
    fell in (the more specific level where two share a weight)."""
    out: dict[str, dict[float, str]] = {}
    for comparison in linker._settings_obj.comparisons:
        labels: dict[float, str] = {}
        for level in comparison.comparison_levels:
            weight = 0.0 if level.is_null_level else round(float(level._log2_bayes_factor), 2)
            labels.setdefault(
                weight, "missing on one side" if level.is_null_level else level.label_for_charts
            )
        out[comparison.output_column_name] = labels
    return out


def waterfall(
    row: Any, config: LinkageConfig, labels: dict[str, dict[float, str]], prepared: Prepared, prior: float
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Features (field -> weight in bits) and the ordered steps of one predicted pair."""
    a, b = str(row.unique_id_l), str(row.unique_id_r)
    features = {"prior": round(math.log2(prior / (1 - prior)), 3)}
    steps: list[dict[str, Any]] = [
        {"field": "prior", "level": "two random records", "weight": features["prior"]}
    ]
    for spec in config.fields:
        col = spec.column
        weight = float(getattr(row, f"mw_{col}"))
        level = labels[col].get(round(weight, 2), "")
        step: dict[str, Any] = {"field": col, "level": level, "weight": round(weight, 3)}
        tf = getattr(row, f"mw_tf_adj_{col}", None)
        if tf is not None and not pd.isna(tf) and float(tf) != 0.0:
            step["rarity"] = round(float(tf), 3)
            step["weight"] = round(weight + float(tf), 3)
        held = prepared.generic_of.get(col, {})
        value_a, value_b = held.get(a), held.get(b)
        if value_a is not None and value_a == value_b:
            shared = prepared.generic[col][value_a]
            step["note"] = f"generic value shared by {shared} records: not counted"
        features[col] = step["weight"]
        steps.append(step)
    features["match_weight"] = round(float(row.match_weight), 3)
    return features, steps
