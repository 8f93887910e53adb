"""The last step of every scoring path, on numbers worked out by hand: a fired rule lifts a score to where
its level starts, the highest floor wins, a rule that did not fire (0 or missing) moves nothing."""

from __future__ import annotations

import numpy as np

from scoring.finish import finish

THRESHOLDS = (0.05, 0.15, 0.35, 0.6)  # levels 2, 3, 4 and 5 start here
FLOORS = np.array([0.6, 0.15])  # a level-5 rule and a level-3 rule


def test_fired_rules_lift_scores_to_their_level() -> None:
    raw = np.array([0.01, 0.01, 0.01, 0.4, 0.9, 0.02])
    fired = np.array([[1, 0], [0, 1], [1, 1], [0, 1], [1, 0], [np.nan, np.nan]])
    stake = np.log1p(np.array([100.0, 0.0, 50.0, 10.0, 20.0, np.nan]))
    done = finish(raw, fired, FLOORS, THRESHOLDS, stake)
    assert done.score.tolist() == [0.6, 0.15, 0.6, 0.4, 0.9, 0.02]
    assert done.level.tolist() == [5, 3, 5, 4, 5, 1]
    assert np.allclose(done.expected_duty, [60.0, 0.0, 30.0, 4.0, 18.0, 0.0])


def test_no_rules_and_no_rows() -> None:
    done = finish(np.array([0.2, 0.7]), np.zeros((2, 0)), np.zeros(0), THRESHOLDS, np.zeros(2))
    assert done.score.tolist() == [0.2, 0.7] and done.level.tolist() == [3, 5]
    empty = finish(np.array([]), np.zeros((0, 2)), FLOORS, THRESHOLDS, np.array([]))
    assert len(empty.score) == len(empty.level) == len(empty.expected_duty) == 0
