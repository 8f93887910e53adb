"""Fitting the risk model: CatBoost's settings, the validation period that decides how many trees, and the
guard that keeps the project's model from falling below a plain model on the declaration's raw columns."""

from __future__ import annotations

from typing import Any

import pandas as pd
from catboost import CatBoostClassifier, Pool

from scoring import features as F
from scoring import mapped

VALIDATION_SHARE = 0.2  # the last fifth of the training period (by date) decides when to stop
EARLY_STOPPING = 60  # rounds without improvement on the validation period


def raw_names(kinds: dict[str, str] | None = None) -> list[str]:
    """The plain feature set: the declaration's own columns as loaded (codes, ids, amounts, the mapped
    feature columns), none of the project's derived, history, graph or indicator features."""
    return F.CATEGORICAL + mapped.CODES + F.DECLARED + list(mapped.AMOUNTS) + list(kinds or {})


def categorical(names: list[str], kinds: dict[str, str]) -> list[str]:
    cats = set(F.CATEGORICAL) | set(mapped.CODES) | {n for n, k in kinds.items() if k == "categorical"}
    return [n for n in names if n in cats]


def classifier(iterations: int, seed: int, **extra: Any) -> CatBoostClassifier:
    """The model's CatBoost settings (the bench's plain model uses the same ones)."""
    return CatBoostClassifier(
        iterations=iterations,
        depth=6,
        learning_rate=0.08,
        random_seed=seed,
        verbose=False,
        auto_class_weights="Balanced",
        thread_count=2,
        allow_writing_files=False,
        **extra,
    )


def probe(
    X: pd.DataFrame, y: pd.Series, dates: pd.Series, cats: list[str], *, iterations: int, seed: int
) -> dict[str, Any]:
    """Fit on the training rows but the last ``VALIDATION_SHARE`` of them by date and stop when the
    validation period's AUC stops improving: how many trees (``trees``), and that AUC (``validation_auc``,
    absent when the validation period is too small or holds one outcome only)."""
    cut = dates.quantile(1 - VALIDATION_SHARE)
    early, late = (dates < cut).to_numpy(), (dates >= cut).to_numpy()
    report: dict[str, Any] = {
        "validation_from": str(pd.Timestamp(cut).date()),
        "validation_rows": int(late.sum()),
        "trees": iterations,
    }
    if early.sum() >= 50 and late.sum() >= 20 and y[late].nunique() == 2 and y[early].nunique() == 2:
        model = classifier(iterations, seed, eval_metric="AUC", early_stopping_rounds=EARLY_STOPPING)
        model.fit(
            Pool(X[early], y[early], cat_features=cats),
            eval_set=Pool(X[late], y[late], cat_features=cats),
            use_best_model=True,
        )
        report["trees"] = max(int(model.get_best_iteration() or 0) + 1, 20)
        report["validation_auc"] = round(float(model.get_best_score()["validation"]["AUC"]), 4)
    return report


def refit(X: pd.DataFrame, y: pd.Series, cats: list[str], trees: int, seed: int) -> CatBoostClassifier:
    model = classifier(trees, seed)
    model.fit(Pool(X, y, cat_features=cats))
    return model


def fit_early_stopped(
    X: pd.DataFrame, y: pd.Series, dates: pd.Series, cats: list[str], *, iterations: int, seed: int
) -> tuple[CatBoostClassifier, dict[str, Any]]:
    """``probe`` for the number of trees, then refit on every training row with that many."""
    report = probe(X, y, dates, cats, iterations=iterations, seed=seed)
    return refit(X, y, cats, report["trees"], seed), report


def guarded_fit(
    X: pd.DataFrame,
    y: pd.Series,
    dates: pd.Series,
    names: list[str],
    plain: list[str],
    kinds: dict[str, str],
    *,
    iterations: int,
    seed: int,
) -> tuple[CatBoostClassifier, list[str], dict[str, Any], dict[str, Any]]:
    """Never below a plain model: the project's features and the plain set (``plain``, the declaration's raw
    columns) are both probed on the validation period; the plain set is used when the project's scores
    worse there. Returns the model, its features, the fitting report and the guard's report."""
    cats = categorical(names, kinds)
    fitting = probe(X[names], y, dates, cats, iterations=iterations, seed=seed)
    guard: dict[str, Any] = {"chosen": "project", "plain_features": len(plain)}
    if not plain or set(plain) == set(names):
        guard["reason"] = "the project's features are the raw columns alone: nothing to compare"
    elif "validation_auc" not in fitting:
        guard["reason"] = "the validation period is too small or holds one outcome: not compared"
    else:
        plain_cats = categorical(plain, kinds)
        against = probe(X[plain], y, dates, plain_cats, iterations=iterations, seed=seed)
        guard["project_validation_auc"] = fitting["validation_auc"]
        guard["plain_validation_auc"] = against.get("validation_auc")
        if (against.get("validation_auc") or 0.0) > fitting["validation_auc"]:
            guard["chosen"] = "plain"
            guard["reason"] = (
                "the project's features scored below a plain model on the declaration's raw columns in the "
                "validation period: the raw columns' model is used"
            )
            names, cats, fitting = plain, plain_cats, against
        else:
            guard["reason"] = (
                "the project's features scored at least as well as the raw columns' in validation"
            )
    return refit(X[names], y, cats, fitting["trees"], seed), names, fitting, guard
