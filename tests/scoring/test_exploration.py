"""Exploration in inspection selection: a share of each port's and day's capacity drawn to explore (at
random and where the model is least sure), its share raised by the score drift, each pick saying why."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostClassifier

from graph.store import GraphStore
from scoring import instructions
from scoring.exploration import BOUNDARY, CEILING, adapted_share, share_for, split
from scoring.model import Trained
from scoring.monitor import DRIFTED


def _day(ports: int = 3, per_port: int = 100, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = ports * per_port
    frame = pd.DataFrame(
        {
            "entry_no": [f"E{i:05d}" for i in range(n)],
            "port": [f"P{i // per_port}" for i in range(n)],
            "date": pd.Timestamp("2025-06-10"),
        }
    )
    scores = rng.random(n)
    scored = pd.DataFrame(
        {
            "entry_no": frame["entry_no"],
            "score": scores,
            "level": 1 + (scores > 0.6).astype(int) * 4,
            "reasons": [()] * n,
            "expected_duty": scores * 100,
        }
    )
    return scored, frame


def test_the_exploring_share_is_taken_from_the_capacity_and_says_why() -> None:
    scored, frame = _day()
    chosen = instructions.choose(scored, frame, capacity=10, explore=0.2, uncertain=0.5)
    assert chosen.groupby("port").size().eq(10).all()  # the capacity holds, exploration included
    kinds = chosen.groupby(["port", "kind"]).size().unstack()
    assert (kinds["risk"] == 8).all() and (kinds["explore_uncertain"] == 1).all()
    assert (kinds["explore_random"] == 1).all()
    for port, group in chosen.groupby("port"):
        day = scored[frame["port"] == port]
        risk = group[group["kind"] == "risk"]
        assert set(risk["entry_no"]) == set(day.nlargest(8, "score")["entry_no"])
        rest = day[~day["entry_no"].isin(risk["entry_no"])]
        nearest = rest.loc[(rest["score"] - BOUNDARY).abs().idxmin(), "entry_no"]
        assert group.loc[group["kind"] == "explore_uncertain", "entry_no"].tolist() == [nearest]
        assert not set(group.loc[group["kind"] == "explore_random", "entry_no"]) & set(risk["entry_no"])
    explored = chosen[chosen["kind"] != "risk"]
    assert explored["reason"].str.startswith("探索抽查 chosen to explore (20% of inspections)").all()
    assert explored.loc[explored["kind"] == "explore_uncertain", "reason"].str.contains("uncertain").all()
    assert chosen.loc[chosen["kind"] == "risk", "reason"].str.startswith("风险布控 rank").all()


def test_without_exploration_every_pick_is_by_risk() -> None:
    scored, frame = _day()
    chosen = instructions.choose(scored, frame, capacity=10, explore=0.0)
    assert (chosen["kind"] == "risk").all() and len(chosen) == 30
    with pytest.raises(ValueError, match="between 0 and 1"):
        instructions.choose(scored, frame, capacity=10, explore=1.5)


def test_a_small_capacity_explores_on_its_share_of_days() -> None:
    rng = np.random.default_rng(3)
    draws = [split(1, 0.1, rng) for _ in range(4000)]
    assert set(draws) == {0, 1} and 0.08 < np.mean(draws) < 0.12
    assert split(10, 0.25, rng) in (2, 3) and split(4, 1.0, rng) == 4 and split(4, 0.0, rng) == 0


def test_drift_raises_the_share_up_to_a_ceiling() -> None:
    assert adapted_share(0.1, None) == 0.1 and adapted_share(0.1, 0.0) == 0.1
    assert adapted_share(0.1, DRIFTED / 2) == pytest.approx(0.15)
    assert adapted_share(0.1, DRIFTED) == pytest.approx(0.2)  # drifted: twice the exploration
    assert adapted_share(0.1, 5.0) == CEILING
    assert adapted_share(0.5, 5.0) == 0.5  # a base above the ceiling is kept, never lowered
    assert adapted_share(0.0, 5.0) == 0.0  # no exploration asked: drift does not add any
    with pytest.raises(ValueError):
        adapted_share(1.2, 0.0)


def test_the_share_for_a_model_with_nothing_to_judge_drift_by_is_the_base(store: GraphStore) -> None:
    no_deciles = Trained(model=CatBoostClassifier(), meta={"version": "m1"})
    assert share_for(store, no_deciles, 0.1) == (0.1, None)
    unscored = Trained(model=CatBoostClassifier(), meta={"version": "m2", "reference_deciles": [0.0] * 11})
    assert share_for(store, unscored, 0.15) == (0.15, None)  # no recent scores of it in the graph
