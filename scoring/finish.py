"""From the model's raw score to what an officer sees: the score lifted by the expert rules that fired
(``scoring/rules.py``), its risk level, and the expected duty (score × duty at stake).

One pure function on arrays, used by every path that scores: the in-process batch
(``scoring.service.score_frame``), the single declaration (``score_one``), the simulation of inspection
weeks and the Spark batch (``scoring.batch``, which ships this module to the executors by value: they
need numpy, not this package). It imports nothing of the package for that reason.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

LEVELS = (0.05, 0.15, 0.35, 0.6)  # score thresholds of levels 2, 3, 4, 5


class Finished(NamedTuple):
    score: np.ndarray  # the raw score, raised to the floor of every rule that fired
    level: np.ndarray  # risk level 1–5 of that score
    expected_duty: np.ndarray  # that score × the duty at stake


def levels(scores: np.ndarray, thresholds: tuple[float, ...] = LEVELS) -> np.ndarray:
    """Risk level 1–5 of every score: one more for each threshold the score reaches."""
    return 1 + np.searchsorted(np.asarray(thresholds, dtype=float), scores, side="right")


def finish(
    raw: np.ndarray,
    fired: np.ndarray,
    floors: np.ndarray,
    thresholds: tuple[float, ...],
    duty_at_stake: np.ndarray,
) -> Finished:
    """``raw``: the model's scores (n); ``fired``: the expert rules' indicator values (n × r, 1 where the
    rule fired, 0 or missing where not); ``floors``: each rule's floor, the score where its level starts
    (r); ``duty_at_stake``: the feature of that name (log1p of the duty, missing as none)."""
    score = np.asarray(raw, dtype=float).copy()
    on = np.asarray(fired, dtype=float).reshape(len(score), len(floors)) == 1
    if on.shape[1]:
        floor = np.where(on, np.asarray(floors, dtype=float)[None, :], -np.inf).max(axis=1)
        score = np.maximum(score, floor)
    stake = np.expm1(np.nan_to_num(np.asarray(duty_at_stake, dtype=float), nan=0.0))
    return Finished(score, levels(score, thresholds).astype("int32"), score * stake)
