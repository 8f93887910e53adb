"""Exploration in inspection selection: a share of each port's and day's inspections goes to declarations
the model would not have chosen, so that it keeps learning from more than its own past choices (a model
retrained only on what it chose sees less and less of what it misses).

Two kinds of exploration pick: drawn at random from the rest (an unbiased sample), and the rest's most
uncertain declarations, whose scores sit nearest the decision boundary (0.5: the model is trained with
balanced class weights, so that is where it is indifferent). The share rises with the score-drift monitor's
population stability index: a population that moved away from the training period is where the model
knows least.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from graph.store import GraphStore
from scoring.monitor import DRIFTED, score_drift

if TYPE_CHECKING:  # the type alone: reading this module's constants loads no CatBoost
    from scoring.model import Trained

SHARE = 0.1  # of each port's and day's inspections, by default
UNCERTAIN = 0.5  # of the exploration picks, the share chosen by uncertainty (the rest at random)
CEILING = 0.3  # the share drift can raise exploration to
BOUNDARY = 0.5


def adapted_share(base: float, psi: float | None, ceiling: float = CEILING) -> float:
    """``base`` raised with the score drift: doubled when the PSI reaches the drift threshold, never above
    ``ceiling`` (nor below ``base``). No recent scores to judge by (``psi`` None): ``base``."""
    if not 0 <= base <= 1:
        raise ValueError("the exploration share is a share of the inspections, between 0 and 1")
    if psi is None:
        return base
    return round(max(base, min(ceiling, base * (1 + max(psi, 0.0) / DRIFTED))), 4)


def share_for(store: GraphStore, trained: Trained, base: float = SHARE) -> tuple[float, float | None]:
    """The exploration share for the promoted model's next instructions, and the PSI it was adapted by
    (None: no recent scores, or a model that keeps no training-period deciles)."""
    try:
        drift = score_drift(store, trained).psi
    except ValueError:
        drift = None
    return adapted_share(base, drift), drift


def split(k: int, share: float, rng: np.random.Generator) -> int:
    """How many of ``k`` inspections explore: ``k × share`` with its fraction drawn (so a capacity of one
    explores on ``share`` of the days)."""
    wanted = k * share
    return min(k, math.floor(wanted) + int(rng.random() < wanted - math.floor(wanted)))


def picks(
    rest: pd.DataFrame, n: int, *, uncertain: float, share: float, rng: np.random.Generator
) -> list[pd.DataFrame]:
    """``n`` exploration picks from ``rest`` (the declarations not chosen by risk), each with its kind and
    the reason an officer reads."""
    if n <= 0 or rest.empty:
        return []
    n = min(n, len(rest))
    by_uncertainty = split(n, uncertain, rng)
    out = []
    if by_uncertainty:
        near = rest.assign(_distance=(rest["score"] - BOUNDARY).abs()).nsmallest(by_uncertainty, "_distance")
        out.append(
            near.drop(columns="_distance").assign(
                kind="explore_uncertain",
                reason=[
                    f"探索抽查 chosen to explore ({share:.0%} of inspections): the model is uncertain, score "
                    f"{s:.2f} near its decision boundary {BOUNDARY:g}"
                    for s in near["score"]
                ],
            )
        )
        rest = rest.drop(near.index)
    at_random = min(n - by_uncertainty, len(rest))
    if at_random:
        drawn = rest.sample(at_random, random_state=int(rng.integers(1 << 30)))
        out.append(
            drawn.assign(
                kind="explore_random",
                reason=f"探索抽查 chosen to explore ({share:.0%} of inspections): drawn at random for unbiased learning",
            )
        )
    return out
