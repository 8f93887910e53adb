"""Expert rules over a score: an indicator with ``at_least_level`` (``scoring/indicators.yaml``) lifts the
score of a declaration it fires on to where that level starts, and says so, with the values it read. The
lifting itself is ``scoring.finish.finish`` (one function for every scoring path); here are the rules'
floors and their reasons.

The model learns from inspected declarations; a rare fact (a controlled-goods silhouette on a scan, a
certificate that disagrees with the declaration) may appear on too few of them to be learnt, or on none.
The rule keeps such a fact from being drowned: the score rises, and the reason names the scan or the
certificate. The model's own metrics (``tianji score train``) are the model's alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoring import reasons
from scoring.indicators import Indicator


def rules(indicators: list[Indicator]) -> list[Indicator]:
    return [i for i in indicators if i.at_least_level]


def floor(indicator: Indicator, thresholds: tuple[float, ...]) -> float:
    """The lowest score of the rule's level (``thresholds``: where levels 2, 3, 4 and 5 start)."""
    return float(thresholds[int(indicator.at_least_level or 2) - 2])


#: how an expert rule's reason begins (the declaration view sets rule reasons apart by it)
RULE_REASON = "规则 rule "


def reason(indicator: Indicator, values: dict[str, Any]) -> str:
    """ "规则 IND-025 扫描图像疑似管制物品 Scan shows a controlled-goods silhouette (扫描图像管制物品置信度 scan
    controlled-goods confidence = 0.98) → 至少 5 级 at least level 5"."""
    read = "; ".join(reasons.said(name, values.get(name)) for name in indicator.features() if name in values)
    level = indicator.at_least_level
    return (
        f"{RULE_REASON}{indicator.code} {indicator.name_zh} {indicator.name_en}"
        + (f" ({read})" if read else "")
        + f" → 至少 {level} 级 at least level {level}"
    )


def floors(
    indicators: list[Indicator], thresholds: tuple[float, ...], columns: list[str] | pd.Index
) -> tuple[list[str], np.ndarray]:
    """The expert rules among ``indicators`` whose column is in ``columns``, and each one's floor: what
    ``scoring.finish.finish`` lifts the scores by."""
    chosen = [rule for rule in rules(indicators) if rule.code in set(columns)]
    return [rule.code for rule in chosen], np.array([floor(rule, thresholds) for rule in chosen], dtype=float)


def said_by(X: pd.DataFrame, indicators: list[Indicator]) -> list[tuple[str, ...]]:
    """Each row's reasons from the rules that fired on it, with the values they read (highest level first)."""
    said: list[list[tuple[int, str]]] = [[] for _ in range(len(X))]
    for rule in rules(indicators):
        if rule.code not in X:
            continue
        fired = np.flatnonzero(X[rule.code].to_numpy() == 1)
        if not len(fired):
            continue
        names = [n for n in rule.features() if n in X]
        values = X.iloc[fired][names].to_numpy(dtype=object)
        for row, read in zip(fired, values, strict=True):
            said[row].append(
                (int(rule.at_least_level or 0), reason(rule, dict(zip(names, read, strict=True))))
            )
    return [tuple(r for _, r in sorted(s, key=lambda p: -p[0])) for s in said]


def said_one(values: dict[str, Any], fired: dict[str, int], indicators: list[Indicator]) -> list[str]:
    """``said_by`` for one declaration of plain values (the single-declaration path)."""
    said = [
        (int(rule.at_least_level or 0), reason(rule, values))
        for rule in rules(indicators)
        if fired.get(rule.code)
    ]
    return [r for _, r in sorted(said, key=lambda p: -p[0])]
