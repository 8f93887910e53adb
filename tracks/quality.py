"""Precision and recall of track detectors against planted ground truth.

An event found matches a planted one when it concerns the same vessels and their times overlap; a group
found matches a planted one when it has exactly the same members.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

Event = tuple[tuple[str, ...], pd.Timestamp, pd.Timestamp]


def score(found_hits: int, found: int, planted_hits: int, planted: int) -> dict[str, float]:
    return {
        "precision": round(found_hits / found, 3) if found else 1.0,
        "recall": round(planted_hits / planted, 3) if planted else 1.0,
    }


def events(rows: Iterable[dict[str, Any]], key: str) -> list[Event]:
    """Planted events (``vessels`` or ``vessel``, ``start``, ``end``) as comparable tuples."""
    out = []
    for row in rows:
        who = row[key] if isinstance(row[key], list) else [row[key]]
        out.append((tuple(sorted(who)), pd.Timestamp(row["start"]), pd.Timestamp(row["end"])))
    return out


def found_events(frame: pd.DataFrame, *keys: str) -> list[Event]:
    """Detected events (``started``, ``ended`` and the columns naming the vessels)."""
    return [
        (tuple(sorted(str(getattr(r, k)) for k in keys)), pd.Timestamp(r.started), pd.Timestamp(r.ended))
        for r in frame.itertuples()
    ]


def event_score(found: list[Event], planted: list[Event]) -> dict[str, float]:
    def hits(a: Event, b: Event) -> bool:
        return a[0] == b[0] and a[1] <= b[2] and b[1] <= a[2]

    return score(
        sum(any(hits(f, p) for p in planted) for f in found),
        len(found),
        sum(any(hits(f, p) for f in found) for p in planted),
        len(planted),
    )


def group_score(found: Iterable[Iterable[str]], planted: Iterable[Iterable[str]]) -> dict[str, float]:
    found_sets = [frozenset(g) for g in found]
    planted_sets = [frozenset(g) for g in planted]
    return score(
        sum(g in planted_sets for g in found_sets),
        len(found_sets),
        sum(g in found_sets for g in planted_sets),
        len(planted_sets),
    )


def sea_scores(found: Any, truth: Any) -> dict[str, dict[str, float]]:
    """P/R of encounters, dark rendezvous, loitering and gaps (``found``: ``SeaEvents``; ``truth``: ``SeaTruth``)."""
    dark = found.encounters[found.encounters["dark"]] if len(found.encounters) else found.encounters
    return {
        "encounters": event_score(
            found_events(found.encounters, "a", "b"), events(truth.encounters, "vessels")
        ),
        "dark_rendezvous": event_score(
            found_events(dark, "a", "b"), events([e for e in truth.encounters if e["dark"]], "vessels")
        ),
        "loitering": event_score(found_events(found.loitering, "target"), events(truth.loitering, "vessel")),
        "gaps": event_score(found_events(found.gaps, "target"), events(truth.gaps, "vessel")),
    }
