"""The score-distribution monitor: are the promoted model's recent scores distributed as in its training
period? Population stability index over the training period's deciles; above 0.2 the distribution drifted
(the population changed, or the data feeding the model did) and the model deserves a look."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graph.store import GraphStore

if TYPE_CHECKING:  # the type alone: reading this module's constants loads no CatBoost
    from scoring.model import Trained

DRIFTED = 0.2


@dataclass
class ScoreDrift:
    model_version: str
    psi: float | None  # None: no recent scores to compare
    drifted: bool
    recent: int  # scores in the window
    window_from: str | None
    window_to: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def psi(edges: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of ``actual`` against the population whose quantiles are ``edges``
    (equal shares between consecutive edges; tied edges merge their shares)."""
    ordered = np.sort(np.asarray(edges, dtype=float))
    bins = np.unique(ordered)
    if len(bins) < 2:  # a model that scores everything alike: nothing to compare shares across
        return 0.0
    expected = np.diff(np.searchsorted(ordered, bins, side="left")) / (len(ordered) - 1)
    expected[-1] = 1 - expected[:-1].sum()  # the last bin closes at the top edge
    bins[0], bins[-1] = -np.inf, np.inf
    share = np.histogram(actual, bins)[0] / max(len(actual), 1)
    expected, share = expected + 1e-6, share + 1e-6
    return float(np.sum((share - expected) * np.log(share / expected)))


def score_drift(store: GraphStore, trained: Trained, *, days: int = 30) -> ScoreDrift:
    """The promoted model's scores of the last ``days`` days of declarations against its training period."""
    version = trained.meta["version"]
    edges = trained.meta.get("reference_deciles")
    if edges is None:
        raise ValueError(f"model {version} keeps no training-period deciles; retrain it to monitor it")
    last = store.query(
        "MATCH (r:RiskScore {model_version: $v})-[:SCORED]->(d:Declaration) RETURN max(d.date) AS last",
        {"v": version},
        read_only=True,
    )[0]["last"]
    if not last:
        return ScoreDrift(version, None, False, 0, None, None)
    since = (dt.date.fromisoformat(str(last)[:10]) - dt.timedelta(days=days)).isoformat()
    rows = store.query(
        "MATCH (r:RiskScore {model_version: $v})-[:SCORED]->(d:Declaration) WHERE d.date > $since "
        "RETURN r.score AS s",
        {"v": version, "since": since},
        read_only=True,
        timeout_ms=120_000,
    )
    scores = np.array([r["s"] for r in rows], dtype=float)
    value = round(psi(np.asarray(edges), scores), 4) if len(scores) else None
    return ScoreDrift(
        version, value, bool(value is not None and value > DRIFTED), len(scores), since, str(last)[:10]
    )
