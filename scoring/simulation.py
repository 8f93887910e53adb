"""Simulated weeks of inspection selection, with and without exploration.

Every declaration has a true outcome (``truth``: what an inspection would find), but only inspected ones
are ever known. The first model learns from a warm-up period's inspections; then, week after week, the
current model chooses the week's inspections (``instructions.choose`` with each port's capacity the
rate of its week's declarations, exploration share adapted from the drift of the week's scores), only the chosen declarations' outcomes are revealed, and the model is
retrained on everything revealed so far. Reported per policy: the precision of each week's inspections
(what exploration costs now) and the next model's AUC and precision on an honest sample (every declaration
of the weeks after, labelled by the truth, none of them ever revealed): what it buys later.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from catboost import Pool
from sklearn.metrics import roc_auc_score

from graph.store import GraphStore
from scoring import instructions
from scoring.exploration import UNCERTAIN, adapted_share
from scoring.finish import Finished
from scoring.model import Trained, at_rates, train
from scoring.monitor import psi
from scoring.service import feature_matrix, finished


@dataclass(frozen=True)
class Policy:
    name: str
    explore: float  # the base share of inspections drawn to explore
    uncertain: float = UNCERTAIN
    adapt: bool = True  # raise the share with the week's score drift


POLICIES = (Policy("exploit_only", 0.0, adapt=False), Policy("explore", 0.1))


def labelled(frame: pd.DataFrame, truth: np.ndarray, revealed: np.ndarray) -> pd.DataFrame:
    """``frame`` with only the ``revealed`` declarations inspected, their outcomes the truth."""
    hit = truth.astype(bool) & revealed
    return frame.assign(
        inspected=revealed,
        hit=hit.astype(int),
        outcome=pd.Series(np.where(hit, "hit", "clear"), index=frame.index).where(revealed),
        recovered_duty=np.where(revealed, frame["recovered_duty"].fillna(0), np.nan),
    )


def predict(store: GraphStore, trained: Trained, frame: pd.DataFrame, rows: np.ndarray) -> Finished:
    """What ``score_frame`` gives ``frame``'s ``rows`` (history counted over all of ``frame``): the scores
    lifted by the expert rules, their levels and expected duty; no explanations."""
    X, _ = feature_matrix(store, trained, frame)
    X = X.loc[rows]
    pool = Pool(X[trained.meta["features"]], cat_features=trained.meta["categorical"])
    return finished(trained, np.asarray(trained.model.predict_proba(pool)[:, 1]), X)


def simulate(
    store: GraphStore,
    frame: pd.DataFrame,
    truth: np.ndarray,
    *,
    start: str,
    weeks: int = 4,
    warmup_days: int = 56,
    holdout_days: int = 28,
    rate: float = 0.1,
    policies: tuple[Policy, ...] = POLICIES,
    iterations: int = 200,
    seeds: tuple[int, ...] = (7,),
    code_lists: Path | None = None,
) -> dict[str, Any]:
    """Run every policy over ``weeks`` weeks from ``start`` on ``frame`` (sorted by date, as
    ``load_declarations`` returns it), ``truth`` its rows' true outcomes (0/1), once per seed (of the
    exploration draws and of CatBoost); the figures are the means over the seeds."""
    begin = pd.Timestamp(start)
    end = begin + pd.Timedelta(days=7 * weeks)
    within = (frame["date"] < end + pd.Timedelta(days=holdout_days)).to_numpy()
    frame, truth = frame[within].reset_index(drop=True), np.asarray(truth, dtype=int)[within]
    dates = frame["date"]
    # the first model's labels: the source's own inspections of the warm-up period, thinned to the rate
    warm = ((dates >= begin - pd.Timedelta(days=warmup_days)) & (dates < begin)).to_numpy()
    seeded = warm & frame["inspected"].to_numpy()
    most = int(rate * warm.sum())
    if seeded.sum() > most:
        keep = np.random.default_rng(seeds[0]).choice(np.flatnonzero(seeded), most, replace=False)
        seeded = np.zeros(len(frame), dtype=bool)
        seeded[keep] = True
    world = World(store, frame, truth, seeded, (dates >= end).to_numpy(), code_lists)
    out: dict[str, Any] = {
        "start": str(begin.date()),
        "weeks": weeks,
        "rate": rate,
        "seeds": len(seeds),
        "warmup_labels": int(seeded.sum()),
        "holdout_rows": int(world.holdout.sum()),
        "holdout_hit_rate": round(float(truth[world.holdout].mean()), 4),
    }
    for policy in policies:
        runs = [run_weeks(world, policy, begin, weeks, rate, iterations, seed) for seed in seeds]
        out[policy.name] = {
            "explore_share": policy.explore,
            "adapted": policy.adapt,
            **{k: _mean([r[k] for r in runs]) for k in runs[0] if k != "weekly"},
            "weekly": [
                {k: _mean([r["weekly"][w][k] for r in runs]) for k in runs[0]["weekly"][w]}
                for w in range(weeks)
            ],
        }
    return out


@dataclass
class World:
    """What a simulation runs on: the declarations, their true outcomes, the first labels, the honest sample."""

    store: GraphStore
    frame: pd.DataFrame
    truth: np.ndarray
    seeded: np.ndarray
    holdout: np.ndarray
    code_lists: Path | None


def fit_and_score(
    world: World, revealed: np.ndarray, split: pd.Timestamp, rows: np.ndarray, iterations: int, seed: int
) -> tuple[Trained, Finished, np.ndarray]:
    """The model trained on what was revealed before ``split``; how it scores ``rows`` (as ``score_frame``
    would), and its scores of the honest sample."""
    known = labelled(world.frame, world.truth, revealed)
    trained = train(
        world.store,
        known,
        split_date=str(split.date()),
        iterations=iterations,
        seed=seed,
        code_lists=world.code_lists,
    )
    wanted = rows | world.holdout
    both = predict(world.store, trained, known, wanted)
    ours = rows[wanted]
    return trained, Finished(*(a[ours] for a in both)), both.score[world.holdout[wanted]]


def run_weeks(
    world: World, policy: Policy, begin: pd.Timestamp, weeks: int, rate: float, iterations: int, seed: int
) -> dict[str, Any]:
    """One policy's weeks: choose with the current model, reveal the chosen, retrain; and the models'
    figures on the honest sample (each week's, and the next model's after the last week)."""
    frame, truth, dates = world.frame, world.truth, world.frame["date"]
    honest = truth[world.holdout]
    revealed = world.seeded.copy()
    weekly: list[dict[str, Any]] = []
    for week in range(weeks):
        lo, hi = begin + pd.Timedelta(days=7 * week), begin + pd.Timedelta(days=7 * (week + 1))
        rows = ((dates >= lo) & (dates < hi)).to_numpy()
        trained, week_scores, held = fit_and_score(world, revealed, lo, rows, iterations, seed)
        drift = round(psi(np.asarray(trained.meta["reference_deciles"]), week_scores.score), 4)
        share = adapted_share(policy.explore, drift) if policy.adapt else policy.explore
        scored = pd.DataFrame(
            {
                "entry_no": frame.loc[rows, "entry_no"].to_numpy(),
                "score": week_scores.score,
                "level": week_scores.level,
                "reasons": [()] * int(rows.sum()),
                "expected_duty": week_scores.expected_duty,
            }
        )
        chosen = instructions.choose(  # the week's capacity per port: ``rate`` of its declarations
            scored,
            frame[rows].assign(date=lo),
            rate=rate,
            explore=share,
            uncertain=policy.uncertain,
            seed=seed + week,
        )
        picked = frame.index[frame["entry_no"].isin(chosen["entry_no"])].to_numpy()
        revealed[picked] = True
        by_risk = frame["entry_no"].isin(chosen.loc[chosen["kind"] == "risk", "entry_no"]).to_numpy()
        weekly.append(
            {
                "psi": drift,
                "explore_share": share,
                "precision": round(float(truth[picked].mean()), 4),
                "precision_by_risk": round(float(truth[by_risk].mean()), 4),
                "honest_auc": round(float(roc_auc_score(honest, held)), 4),
            }
        )
    end = begin + pd.Timedelta(days=7 * weeks)
    _, _, held = fit_and_score(world, revealed, end, np.zeros(len(frame), bool), iterations, seed)
    figures = at_rates(held, honest)
    done = revealed & ~world.seeded
    return {
        "inspected": int(done.sum()),
        "hits": int(truth[done].sum()),
        "precision": round(float(truth[done].mean()), 4),
        "next_auc": round(float(roc_auc_score(honest, held)), 4),
        "next_precision@5%": figures["precision@5%"],
        "next_precision@10%": figures["precision@10%"],
        "weekly": weekly,
    }


def _mean(values: list[Any]) -> float:
    return round(float(np.mean(values)), 4)
