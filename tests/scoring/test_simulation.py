"""Simulated weeks of inspection selection on an export whose every outcome is known (the truth): only the
chosen declarations are revealed to the next model, exploration costs or buys what the figures say, and
the honest sample is never revealed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graph.store import GraphStore
from ingest.foreign_export import write_export
from ingest.loader import Loader
from ingest.mapping import load_mappings
from scoring import features as F
from scoring.model import train
from scoring.service import score_frame
from scoring.simulation import Policy, labelled, predict, simulate
from tests.scoring.builders import suspect_scan
from tianji.core.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "date_layout"


def test_only_the_revealed_are_labels() -> None:
    frame = pd.DataFrame({"entry_no": ["a", "b", "c"], "recovered_duty": [5.0, np.nan, 2.0]})
    known = labelled(frame, np.array([1, 1, 0]), np.array([True, False, True]))
    assert known["inspected"].tolist() == [True, False, True] and known["hit"].tolist() == [1, 0, 0]
    assert known["outcome"].tolist()[0] == "hit" and pd.isna(known["outcome"].iloc[1])
    assert known["outcome"].iloc[2] == "clear"


def test_weeks_with_and_without_exploration(store: GraphStore, settings: Settings, tmp_path: Path) -> None:
    write_export(tmp_path / "export", rows=5000, seed=6)
    run = Loader(store, settings, progress=False).load_dir(tmp_path / "export", load_mappings(EXAMPLE))
    assert run.quarantined == 0
    frame = F.load_declarations(store)
    truth = frame["hit"].to_numpy()  # every declaration of the export was inspected: its outcome is the truth
    policies = (Policy("exploit_only", 0.0, adapt=False), Policy("explore", 0.3, adapt=False))
    out = simulate(
        store,
        frame,
        truth,
        start=str(frame["date"].quantile(0.6).date()),
        weeks=3,
        warmup_days=180,
        rate=0.3,
        policies=policies,
        iterations=60,
    )
    # the first labels are the warm-up period's, thinned to the inspection rate
    warm = frame["date"].between(
        pd.Timestamp(out["start"]) - pd.Timedelta(days=180), pd.Timestamp(out["start"])
    )
    assert 0 < out["warmup_labels"] <= 0.3 * warm.sum() + 1
    exploit, explore = out["exploit_only"], out["explore"]
    assert all(w["explore_share"] == 0.0 for w in exploit["weekly"])
    assert all(w["explore_share"] == 0.3 for w in explore["weekly"])
    assert exploit["inspected"] == explore["inspected"] > 0  # the same capacity, spent differently
    # the weeks' declarations, and the honest sample after them, by the truth alone
    begin = pd.Timestamp(out["start"])
    dates = frame["date"]
    weeks = ((dates >= begin) & (dates < begin + pd.Timedelta(days=21))).to_numpy()
    after = ((dates >= begin + pd.Timedelta(days=21)) & (dates < begin + pd.Timedelta(days=49))).to_numpy()
    assert out["holdout_rows"] == after.sum() > 0
    assert out["holdout_hit_rate"] == pytest.approx(truth[after].mean(), abs=1e-4)
    for policy in (exploit, explore):
        assert len(policy["weekly"]) == 3 and policy["next_auc"] > 0.6  # the planted risk is learnable
        # the model's picks find more than inspecting at random would, in the weeks and after them
        assert policy["precision"] > 1.3 * truth[weeks].mean()
        assert policy["next_precision@10%"] > 1.3 * truth[after].mean()


def test_the_simulated_weeks_score_as_the_instructions_do(
    store: GraphStore, settings: Settings, tmp_path: Path
) -> None:
    """A declaration with a suspect scan is lifted by the expert rule in the simulation as in ``score_frame``
    (which ``tianji score instruct`` chooses from): the simulated picks are the ones the instructions make."""
    write_export(tmp_path / "export", rows=1500, seed=6)
    Loader(store, settings, progress=False).load_dir(tmp_path / "export", load_mappings(EXAMPLE))
    frame = F.load_declarations(store)
    trained = train(store, frame, split_date=str(frame["date"].quantile(0.7).date()), iterations=60)
    lowest = score_frame(store, trained, frame).nsmallest(1, "score")["entry_no"].iloc[0]
    hs = frame.set_index("entry_no").loc[lowest, "hs_code"]
    suspect_scan(store, settings, lowest, hs, controlled=0.97)
    rows = np.ones(len(frame), dtype=bool)
    simulated = predict(store, trained, frame, rows)
    scored = score_frame(store, trained, frame)
    assert np.abs(simulated.score - scored["score"].to_numpy()).max() < 1e-12
    assert (simulated.level == scored["level"].to_numpy()).all()
    lifted = (frame["entry_no"] == lowest).to_numpy()
    assert simulated.level[lifted].tolist() == [5]
