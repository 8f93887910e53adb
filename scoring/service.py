"""Scoring declarations: in batch (written back as RiskScore nodes with reasons), one at a time without
the store, inspection instructions, and the score-distribution drift monitor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from catboost import Pool
from rich.console import Console

from graph.store import GraphStore
from scoring import exploration, instructions, mapped
from scoring import features as F
from scoring.finish import Finished, finish
from scoring.indicators import Indicator, evaluate_row
from scoring.model import Trained, load, matrix, promote, save, train
from scoring.reasons import Words, said
from scoring.rules import floors as rule_floors
from scoring.rules import said_by, said_one
from tianji.core.clock import graph_now
from tianji.core.settings import Settings


def _indicator_words(trained: Trained) -> dict[str, Words]:
    return {i["code"]: Words(zh=i["name_zh"], en=i["name_en"]) for i in trained.meta["indicators"]}


def reasons(trained: Trained, X: pd.DataFrame, pool: Pool | None = None, top: int = 3) -> list[list[str]]:
    """The strongest risk-raising features of each row (SHAP), in words an officer reads, in Chinese and
    English (``scoring/reasons.yaml``; a missing value by what it means). ``pool``: the rows of ``X``
    already as a Pool."""
    cols = trained.meta["features"]
    if pool is None:
        pool = Pool(X[cols], cat_features=trained.meta["categorical"])
    shap = trained.model.get_feature_importance(pool, type="ShapValues")[:, :-1]
    words = _indicator_words(trained)
    values = X[cols].to_numpy(dtype=object)  # one conversion, not a pandas lookup per cell
    best = np.argsort(-shap, axis=1)[:, :top]
    return [
        [f"{said(cols[j], values[i, j], words)} (+{shap[i, j]:.2f})" for j in best[i] if shap[i, j] > 0]
        for i in range(len(shap))
    ]


def with_past(frame: pd.DataFrame, past: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows to score together with the earlier declarations of the same consignees and agents (history
    features need each declaration's past), in time order; and which of them are the rows to score."""
    keys = pd.Index(pd.concat([frame["consignee"], frame["agent"].dropna()]).astype(object).unique())
    related = keys.get_indexer(past["consignee"].astype(object)) >= 0
    related |= keys.get_indexer(past["agent"].astype(object)) >= 0
    if frame["agent"].isna().any():  # self-declared rows share one "self" agent history
        related |= past["agent"].isna().to_numpy()
    scoring = pd.Index(frame["entry_no"].astype(object).unique())
    ours = scoring.get_indexer(past["entry_no"].astype(object)) >= 0
    context = past[related & ~ours & (past["date"] <= frame["date"].max()).to_numpy()]
    both = pd.concat([context, frame]).sort_values(["date", "entry_no"]).reset_index(drop=True)
    return both, scoring.get_indexer(both["entry_no"].astype(object)) >= 0


def fired_names(X: pd.DataFrame, indicators: list[Indicator]) -> list[tuple[str, ...]]:
    """The names (Chinese and English) of the indicators each row fired, one tuple per distinct combination
    (there are few)."""
    fired = X[[i.code for i in indicators]].to_numpy().astype(bool)
    if not len(indicators):
        return [()] * len(X)
    packed = np.ascontiguousarray(np.packbits(fired, axis=1))  # each row's combination as bytes
    _, first, which = np.unique(
        packed.view(f"V{packed.shape[1]}").ravel(), return_index=True, return_inverse=True
    )
    names = [
        tuple(f"{i.name_zh} {i.name_en}" for i, on in zip(indicators, fired[f], strict=True) if on)
        for f in first
    ]
    return [names[k] for k in which.ravel()]


def feature_matrix(
    store: GraphStore, trained: Trained, frame: pd.DataFrame, *, past: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every feature the model reads (and the indicators) of the declarations of ``frame``, with those
    declarations. History features count what came before each declaration in ``frame``; pass every
    declaration known as ``past`` when ``frame`` is a subset (new or recent ones)."""
    both, wanted = with_past(frame, past) if past is not None else (frame, None)
    X = matrix(
        both,
        store,
        trained.meta["norms"],
        graph=trained.meta["graph_features"],
        indicators=[Indicator.model_validate(i) for i in trained.meta["indicators"]],
        kinds=trained.meta.get("feature_columns", {}),
    )
    if wanted is None:
        return X, frame
    return X[wanted].reset_index(drop=True), both[wanted].reset_index(drop=True)


def finished(trained: Trained, raw: np.ndarray, X: pd.DataFrame) -> Finished:
    """The model's ``raw`` scores of the rows of ``X`` lifted by the expert rules that fired on them, with
    their levels and expected duty (``scoring.finish``, as every scoring path finishes them)."""
    thresholds = tuple(trained.meta["levels"])
    indicators = [Indicator.model_validate(i) for i in trained.meta["indicators"]]
    codes, floors = rule_floors(indicators, thresholds, X.columns)
    return finish(raw, X[codes].to_numpy(dtype=float), floors, thresholds, X["duty_at_stake"].to_numpy())


def score_frame(
    store: GraphStore, trained: Trained, frame: pd.DataFrame, *, past: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Score the declarations of ``frame`` (``past``: see ``feature_matrix``)."""
    indicators = [Indicator.model_validate(i) for i in trained.meta["indicators"]]
    X, frame = feature_matrix(store, trained, frame, past=past)
    cols = trained.meta["features"]
    pool = Pool(X[cols], cat_features=trained.meta["categorical"])
    done = finished(trained, trained.model.predict_proba(pool)[:, 1], X)
    out = pd.DataFrame({"entry_no": frame["entry_no"].to_numpy(), "score": done.score})
    out["level"] = done.level
    out["rules"] = said_by(
        X, indicators
    )  # the expert rules that fired, with what they read: the first reasons
    out["indicators"] = fired_names(X, [i for i in indicators if not i.at_least_level])
    words: list[tuple[str, ...]] = [()] * len(out)  # read-only tuples: one shared empty one
    explain = np.flatnonzero(out["level"].to_numpy() >= 3)[:5000]
    if len(explain):
        for position, said in zip(
            explain, reasons(trained, X.iloc[explain], pool.slice(explain)), strict=True
        ):
            words[position] = tuple(said)
    out["reasons"] = words
    out["expected_duty"] = done.expected_duty
    return out


def write_scores(store: GraphStore, trained: Trained, scored: pd.DataFrame) -> int:
    now = graph_now()
    version = trained.meta["version"]
    rows = [
        {
            "id": f"{r.entry_no}:{version}",
            "score": round(float(r.score), 5),
            "level": int(r.level),
            "model_version": version,
            "computed_at": now,
            "features": (list(r.rules) + list(r.reasons) + list(r.indicators))[:8],
            "source": "scoring",
        }
        for r in scored.itertuples()
    ]
    store.merge_nodes("RiskScore", rows)
    store.merge_relationships(
        "SCORED",
        "RiskScore",
        "Declaration",
        [{"start": row["id"], "end": row["id"].split(":")[0]} for row in rows],
    )
    return len(rows)


def score_one(trained: Trained, declaration: dict[str, Any], *, explain: bool = True) -> dict[str, Any]:
    """Score one declaration from its fields alone (no store); say which inputs were missing.
    ``explain`` adds the SHAP reasons (about 30 ms more)."""
    missing = [
        k
        for k in ("hs_code", "origin", "port", "value_usd", "weight_kg", "quantity")
        if F.is_missing(declaration.get(k))
    ]
    values = F.declared_row(declaration, trained.meta["norms"])
    values.update(mapped.one(declaration, trained.meta.get("feature_columns", {})))
    considered = set(trained.meta["features"]) | set(trained.meta.get("omitted", {}))
    for name in F.HISTORY + F.GRAPH:  # the subject's past and graph figures, when the caller knows them
        if name in considered:
            value = declaration.get(name)
            values[name] = np.nan if value is None or F.is_missing(value) else float(value)
            if F.is_missing(value):
                missing.append(name)
    fired = evaluate_row(trained.meta["indicators"], values)  # missing values fire no rule, as in batch
    read = dict(values)
    values.update(fired)
    cols = trained.meta["features"]
    row = [values.get(c) for c in cols]
    thresholds = tuple(trained.meta["levels"])
    rules = [Indicator.model_validate(i) for i in trained.meta["indicators"] if i.get("at_least_level")]
    codes, floors = rule_floors(rules, thresholds, list(fired))
    model_score = float(trained.model.predict_proba(row)[1])  # a plain list: no frame to build
    done = finish(
        np.array([model_score]),
        np.array([[fired[c] for c in codes]], dtype=float),
        floors,
        thresholds,
        np.array([values.get("duty_at_stake", np.nan)], dtype=float),
    )
    return {
        "score": float(done.score[0]),
        "level": int(done.level[0]),
        "model_version": trained.meta["version"],
        "reasons": said_one(read, fired, rules)
        + (reasons(trained, pd.DataFrame([row], columns=cols))[0] if explain else []),
        "missing": missing,
    }


def run_scoring(store: GraphStore, settings: Settings, world: Path | None = None) -> dict[str, Any]:
    """Bootstrap step: train a model if none is promoted, then score every declaration and write it back."""
    console = Console()
    frame = F.load_declarations(store)
    split = str(frame["date"].quantile(0.75).date())
    try:
        trained = load(settings)
    except Exception:  # noqa: BLE001 - any unusable model means: train one now
        trained = train(store, frame, split_date=split, iterations=200)
        save(settings, trained)
        promote(settings, trained.meta["version"])
        console.print(f"  trained {trained.meta['version']}: {trained.meta['metrics'].get('auc')} AUC")
    scored = score_frame(store, trained, frame)
    written = write_scores(store, trained, scored)
    last_week = frame[frame["date"] > frame["date"].max() - pd.Timedelta(days=7)]
    share, _ = exploration.share_for(store, trained)
    instructed = instructions.write(
        store,
        instructions.choose(scored[scored["entry_no"].isin(last_week["entry_no"])], last_week, explore=share),
        trained.meta["version"],
    )
    console.print(
        f"  {written:,} declarations scored; level 5: {(scored['level'] == 5).sum():,}; "
        f"{instructed} inspection instructions for the last week"
    )
    return {"scored": written, "version": trained.meta["version"], "instructions": instructed}
