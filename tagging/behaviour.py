"""Behavioural metrics over an enterprise's declarations, as named functions the rules refer to."""

from __future__ import annotations

import pandas as pd

from graph.store import GraphStore
from tagging.rules import BehaviourRule


def declarations(store: GraphStore) -> pd.DataFrame:
    rows = store.query(
        "MATCH (e:Enterprise)<-[:CONSIGNEE]-(d:Declaration) "
        "RETURN e.id AS enterprise, d.date AS date, d.value_usd AS value, d.origin AS origin",
        read_only=True,
        timeout_ms=120_000,
    )
    frame = pd.DataFrame(rows, columns=["enterprise", "date", "value", "origin"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def value_volatility(frame: pd.DataFrame, rule: BehaviourRule) -> dict[str, list[str]]:
    """Coefficient of variation of monthly declared value, over enterprises with enough active months."""
    monthly = frame.groupby(["enterprise", frame["date"].dt.to_period("M")])["value"].sum().reset_index()
    stats = monthly.groupby("enterprise")["value"].agg(["std", "mean", "count"])
    hits = stats[(stats["count"] >= rule.min_months) & (stats["std"] / stats["mean"] > rule.threshold)]
    return {
        e: [f"monthly value CV {r['std'] / r['mean']:.2f} over {int(r['count'])} months"]
        for e, r in hits.iterrows()
    }


def new_origins(frame: pd.DataFrame, rule: BehaviourRule) -> dict[str, list[str]]:
    """Origin countries declared in the last ``window_days`` that the enterprise never declared before."""
    cutoff = frame["date"].max() - pd.Timedelta(days=rule.window_days)
    before = frame[frame["date"] < cutoff].groupby("enterprise")["origin"].agg(set)
    recent = frame[frame["date"] >= cutoff].groupby("enterprise")["origin"].agg(set)
    found = {}
    for enterprise, origins in recent.items():
        if enterprise not in before.index:
            continue  # a new enterprise has no history to compare with
        new = sorted(origins - before[enterprise])
        if len(new) >= rule.threshold:
            found[enterprise] = [f"new origin {o}" for o in new]
    return found


def dormancy_days(frame: pd.DataFrame, rule: BehaviourRule) -> dict[str, list[str]]:
    """The gap before the enterprise's latest declaration, when longer than the threshold (days)."""
    found = {}
    for enterprise, dates in frame.sort_values("date").groupby("enterprise")["date"]:
        if len(dates) < 2:
            continue
        gap = (dates.iloc[-1] - dates.iloc[-2]).days
        if gap > rule.threshold:
            found[enterprise] = [f"declared {dates.iloc[-1].date()} after {gap} days without declaring"]
    return found


METRICS = {"value_volatility": value_volatility, "new_origins": new_origins, "dormancy_days": dormancy_days}


def behaviour_matches(
    store: GraphStore, rule: BehaviourRule, cache: dict[str, object]
) -> dict[str, list[str]]:
    if "declarations" not in cache:
        cache["declarations"] = declarations(store)
    frame = cache["declarations"]
    assert isinstance(frame, pd.DataFrame)
    if frame.empty:
        return {}
    return METRICS[rule.metric](frame, rule)
