"""Comparison levels per field kind, as Splink comparisons (most specific level first).

Each level's label is what a reviewer reads in a pair's explanation ("same words, other order",
"day and month transposed"); Splink estimates how often true matches (m) and non-matches (u) fall in
each level, and the level's match weight is log2(m/u).
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
from splink.comparison_library import CustomComparison

from ingest.resolution.config import FieldKind, FieldSpec

# how a cleaned date (YYYYMMDD) is parsed, in each backend's own pattern language
DATE_FORMAT = {"duckdb": "%Y%m%d", "spark": "yyyyMMdd"}

DEFAULT_BANDS: dict[FieldKind, tuple[float, ...]] = {
    FieldKind.name: (0.95, 0.88, 0.75),
    FieldKind.text: (0.94, 0.85),
    FieldKind.numeric: (1, 5),
}


def _exact(column: str, tf: bool) -> Any:
    return cll.ExactMatchLevel(column, term_frequency_adjustments=tf)


def _levels(spec: FieldSpec, backend: str) -> list[Any]:
    col, kind = spec.column, spec.kind
    bands = spec.thresholds or DEFAULT_BANDS.get(kind, ())
    levels: list[Any] = [cll.NullLevel(col), _exact(col, spec.uses_tf)]
    if kind is FieldKind.name:
        levels.append(
            cll.ExactMatchLevel(f"{col}__sorted").configure(label_for_charts="same words, other order")
        )
        levels += [cll.JaroWinklerLevel(col, t) for t in bands]
        levels += [
            cll.JaroWinklerLevel(f"{col}__sorted", bands[-1]).configure(
                label_for_charts=f"words reordered, Jaro-Winkler >= {bands[-1]}"
            )
        ]
    elif kind is FieldKind.text:
        levels += [cll.JaroWinklerLevel(col, t) for t in bands]
    elif kind is FieldKind.date:
        levels += [
            cll.CustomLevel(
                f"substr({col}_l, 1, 4) = substr({col}_r, 1, 4) AND substr({col}_l, 5, 2) = substr({col}_r, 7, 2) "
                f"AND substr({col}_l, 7, 2) = substr({col}_r, 5, 2)",
                label_for_charts="day and month transposed",
            ),
            cll.LevenshteinLevel(col, 1).configure(label_for_charts="one digit differs"),
            cll.AbsoluteDateDifferenceLevel(
                col, input_is_string=True, threshold=31, metric="day", datetime_format=DATE_FORMAT[backend]
            ),
            cll.AbsoluteDateDifferenceLevel(
                col, input_is_string=True, threshold=366, metric="day", datetime_format=DATE_FORMAT[backend]
            ),
        ]
    elif kind is FieldKind.numeric:
        levels += [cll.AbsoluteDifferenceLevel(col, t) for t in bands]
    elif kind is FieldKind.phone:
        levels += [
            cll.CustomLevel(
                f"length({col}_l) >= 8 AND right({col}_l, 8) = right({col}_r, 8)",
                label_for_charts="same last eight digits",
            ),
            cll.DamerauLevenshteinLevel(col, 1),
        ]
    elif kind in (FieldKind.code, FieldKind.identifier):
        levels.append(cll.DamerauLevenshteinLevel(col, 1))
    levels.append(cll.ElseLevel())
    return _starting_m(levels)


def _starting_m(levels: list[Any]) -> list[Any]:
    """Starting m probabilities (what EM refines, and what stands where no EM pass can estimate a field):
    most true matches agree exactly, a few fall in the similarity bands, a few disagree."""
    middle = levels[2:-1]
    levels[1].configure(m_probability=0.8 if middle else 0.95)
    for level in middle:
        level.configure(m_probability=0.15 / len(middle))
    levels[-1].configure(m_probability=0.05)
    return levels


def comparison(spec: FieldSpec, backend: str = "duckdb") -> CustomComparison:
    """The Splink comparison of one field, for ``backend`` (duckdb or spark)."""
    return CustomComparison(
        _levels(spec, backend),
        output_column_name=spec.column,
        comparison_description=f"{spec.column} ({spec.kind.value})",
    )
