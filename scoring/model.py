"""The risk model: CatBoost on declared, deviation, history, graph and indicator features.

Trained on inspected declarations with a time-based split; stored in CatBoost's native format with a
JSON sidecar (features, categorical features, HS–origin norms, training data range and hash, metrics,
level thresholds). A model whose sidecar does not match the code's feature list is refused on load.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from catboost import CatBoostClassifier, Pool
from sklearn.metrics import roc_auc_score

from scoring import features as F
from scoring import mapped, ranking
from scoring.availability import omitted
from scoring.fitting import categorical, guarded_fit, raw_names
from scoring.indicators import Indicator
from scoring.indicators import evaluate as evaluate_indicators
from scoring.indicators import load as load_indicators
from tianji.core.clock import utc_now, utc_now_iso
from tianji.core.settings import Settings

RATES = (0.01, 0.02, 0.05, 0.10, 0.20)


class ModelError(ValueError):
    pass


def feature_names(graph: bool, indicators: list[Indicator], kinds: dict[str, str] | None = None) -> list[str]:
    """Every feature the code can compute, in model order; ``kinds``: the source's mapped feature columns."""
    names = F.CATEGORICAL + mapped.CODES + F.DECLARED + list(mapped.AMOUNTS) + mapped.RATIOS
    names += list(kinds or {}) + F.DEVIATIONS + F.HISTORY + (F.GRAPH if graph else [])
    return names + [i.code for i in indicators]


def matrix(
    frame: pd.DataFrame,
    store: Any,
    norm: dict[str, dict[str, float]],
    *,
    graph: bool,
    indicators: list[Indicator],
    kinds: dict[str, str] | None = None,
) -> pd.DataFrame:
    feats = F.build(store, frame, norm, graph=graph, kinds=kinds)
    usable = [i for i in indicators if graph or not _uses_graph(i)]
    return pd.concat([feats, evaluate_indicators(usable, feats)], axis=1)


def _uses_graph(indicator: Indicator) -> bool:
    return any(name in indicator.expression for name in F.GRAPH)


def at_rates(scores: np.ndarray, labels: np.ndarray, revenue: np.ndarray | None = None) -> dict[str, float]:
    order = np.argsort(-scores)
    out: dict[str, float] = {}
    positives = max(labels.sum(), 1)
    for rate in RATES:
        k = max(1, int(len(scores) * rate))
        top = order[:k]
        out[f"precision@{int(rate * 100)}%"] = round(float(labels[top].mean()), 4)
        out[f"recall@{int(rate * 100)}%"] = round(float(labels[top].sum() / positives), 4)
        if revenue is not None:
            out[f"revenue@{int(rate * 100)}%"] = round(
                float(revenue[top].sum() / max(revenue.sum(), 1e-9)), 4
            )
            out[f"revenue_base@{int(rate * 100)}%"] = round(float(revenue[top].sum()), 2)
    return out


def calibration(scores: np.ndarray, labels: np.ndarray, bins: int = 5) -> list[dict[str, float]]:
    edges = np.quantile(scores, np.linspace(0, 1, bins + 1))
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (scores >= lo) & (scores <= hi)
        if mask.any():
            out.append(
                {
                    "predicted": round(float(scores[mask].mean()), 4),
                    "observed": round(float(labels[mask].mean()), 4),
                    "n": int(mask.sum()),
                }
            )
    return out


@dataclass
class Trained:
    model: CatBoostClassifier
    meta: dict[str, Any]


def evaluate(scores: np.ndarray, labels: np.ndarray, revenue: np.ndarray | None = None) -> dict[str, Any]:
    """AUC and precision, recall and revenue (share and sum in the base currency) at every inspection rate."""
    out: dict[str, Any] = {"auc": round(float(roc_auc_score(labels, scores)), 4)}
    out.update(at_rates(scores, labels, revenue))
    return out


def train(
    store: Any,
    frame: pd.DataFrame,
    *,
    split_date: str,
    graph: bool = True,
    iterations: int = 1000,
    seed: int = 7,
    code_lists: Path | None = None,
) -> Trained:
    """Train on inspected declarations before ``split_date`` (its last fifth the validation period that
    decides when to stop); evaluate on inspected ones after it. Features the source cannot feed are left
    out, with their reasons in ``meta["omitted"]``. ``code_lists``: the administration's own vocabulary for
    the indicators."""
    if frame.empty:
        raise ModelError("no declarations in the graph: load a source first (tianji ingest)")
    indicators = load_indicators(code_lists=code_lists)
    train_rows = frame[(frame["date"] < split_date)]
    norm = F.norms(train_rows)
    kinds = mapped.feature_columns(train_rows)
    X = matrix(frame, store, norm, graph=graph, indicators=indicators, kinds=kinds)
    labelled = frame["inspected"].to_numpy()
    before = (frame["date"] < split_date).to_numpy()
    fit = labelled & before
    test = labelled & ~before
    if fit.sum() < 50 or frame.loc[fit, "hit"].nunique() < 2:
        outcomes = frame.loc[fit, "outcome"].value_counts().head(5).to_dict()
        raise ModelError(
            f"{int(fit.sum())} inspected declarations before {split_date}, {int(frame.loc[fit, 'hit'].sum())} "
            f"of them hits (outcomes seen: {outcomes or 'none'}): training needs at least 50 with both "
            "outcomes; a source's own outcome codes are mapped to hit and clear in its mapping (map:)"
        )
    candidates = [c for c in feature_names(graph, indicators, kinds) if c in X.columns]
    left_out = omitted(frame, X, pd.Series(fit), candidates)
    names = [c for c in candidates if c not in left_out]
    plain = [c for c in names if c in set(raw_names(kinds))]
    model, names, fitting, guard = guarded_fit(
        X.loc[fit].reset_index(drop=True),
        frame.loc[fit, "hit"].reset_index(drop=True),
        frame.loc[fit, "date"].reset_index(drop=True),
        names,
        plain,
        kinds,
        iterations=iterations,
        seed=seed,
    )
    cats = categorical(names, kinds)
    metrics: dict[str, Any] = {
        "train_rows": int(fit.sum()),
        "test_rows": int(test.sum()),
        **fitting,
        "guard": guard,
    }
    if test.sum() and frame.loc[test, "hit"].nunique() == 2:
        scores = model.predict_proba(Pool(X.loc[test, names], cat_features=cats))[:, 1]
        labels = frame.loc[test, "hit"].to_numpy()
        revenue = frame.loc[test, "recovered_duty"].fillna(0).to_numpy()
        metrics.update(evaluate(scores, labels, revenue))
        stake = ranking.duty_at_stake(
            frame.loc[test, "value_usd"].to_numpy(), frame.loc[test, "duty_rate"].to_numpy()
        )
        metrics["ranking"] = ranking.report(scores, labels, revenue, stake)
        metrics["calibration"] = calibration(scores, labels)
    # levels by rank in the training period: level 5 is the riskiest 1 %, 4 the next 4 %, 3 the next 10 %, 2 the next 25 %
    period = model.predict_proba(Pool(X.loc[before, names], cat_features=cats))[:, 1]
    levels = [round(float(np.quantile(period, q)), 5) for q in (0.60, 0.85, 0.95, 0.99)]
    digest = hashlib.sha256(
        pd.util.hash_pandas_object(frame.loc[fit, ["entry_no", "hit"]], index=False).values
    ).hexdigest()
    meta = {
        "version": utc_now().strftime("m%Y%m%d%H%M%S") + ("g" if graph else "n"),
        "features": names,
        "categorical": cats,
        "feature_columns": {n: k for n, k in kinds.items() if n in names},
        "omitted": left_out,
        "graph_features": graph,
        "norms": norm,
        # the model's indicators, and the expert rules its scores are lifted by even if no training
        # declaration fired them (``scoring.rules``)
        "indicators": [
            i.model_dump() for i in indicators if i.code in names or (i.at_least_level and i.code in X)
        ],
        "data": {
            "from": str(frame.loc[fit, "date"].min().date()),
            "to": str(frame.loc[fit, "date"].max().date()),
            "split_date": split_date,
            "sha256": digest,
        },
        "metrics": metrics,
        "levels": levels,
        # the training period's score deciles: what the score-distribution monitor compares with
        "reference_deciles": [round(float(q), 6) for q in np.quantile(period, np.linspace(0, 1, 11))],
        "trained_at": utc_now_iso(),
    }
    return Trained(model, meta)


# -- registry ---------------------------------------------------------------------------------------


def registry(settings: Settings) -> Path:
    return settings.data_dir / "models"


def save(settings: Settings, trained: Trained) -> Path:
    folder = registry(settings) / trained.meta["version"]
    folder.mkdir(parents=True, exist_ok=True)
    trained.model.save_model(str(folder / "model.cbm"))
    (folder / "model.json").write_text(
        json.dumps(trained.meta, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return folder


def promote(settings: Settings, version: str) -> None:
    folder = registry(settings) / version
    if not (folder / "model.cbm").exists():
        raise ModelError(f"no model version {version!r} in {registry(settings)}")
    history = registry(settings) / "promoted.json"
    versions = json.loads(history.read_text()) if history.exists() else []
    versions.append(version)
    history.write_text(json.dumps(versions))


def rollback(settings: Settings) -> str:
    history = registry(settings) / "promoted.json"
    versions = json.loads(history.read_text()) if history.exists() else []
    if len(versions) < 2:
        raise ModelError("no earlier promoted version to roll back to")
    versions.pop()
    history.write_text(json.dumps(versions))
    return str(versions[-1])


def current_version(settings: Settings) -> str | None:
    history = registry(settings) / "promoted.json"
    versions = json.loads(history.read_text()) if history.exists() else []
    return versions[-1] if versions else None


def load(settings: Settings, version: str | None = None) -> Trained:
    version = version or current_version(settings)
    if version is None:
        raise ModelError("no model has been promoted yet: run `tianji score train`")
    folder = registry(settings) / version
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    kinds = meta.get("feature_columns", {})
    expected = feature_names(
        meta["graph_features"], [Indicator.model_validate(i) for i in meta["indicators"]], kinds
    )
    expected = [c for c in expected if c in meta["features"]]
    known = set(feature_names(True, load_indicators(), kinds))
    unknown = [f for f in meta["features"] if f not in known]
    if unknown or expected != meta["features"]:
        raise ModelError(
            f"model {version} was trained on features this code does not compute: {unknown or meta['features']}"
        )
    model = CatBoostClassifier()
    model.load_model(str(folder / "model.cbm"))
    if list(model.feature_names_) != meta["features"]:
        raise ModelError(f"model {version}: the CatBoost file's features differ from its sidecar")
    return Trained(model, meta)
