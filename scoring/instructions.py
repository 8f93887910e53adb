"""Inspection instructions: given a capacity per port and day (or a target rate), inspect the highest-risk
declarations (by risk, or by expected recovered duty) plus a small random sample of the rest, so that the
model keeps learning from declarations it would not have chosen. Each instruction is a node with its
reason; entering the inspection's result closes it and becomes a training label."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from graph.store import GraphStore
from tianji.core.clock import graph_now, utc_today


def choose(
    scored: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    rate: float = 0.05,
    capacity: int | None = None,
    random_share: float = 0.1,
    rank_by: Literal["risk", "expected_duty"] = "risk",
    seed: int = 7,
) -> pd.DataFrame:
    """Per port and day: the top ``capacity`` (or ``rate`` of the day's declarations), then about
    ``random_share`` of that again drawn at random from the rest."""
    if not 0 < rate <= 1:
        raise ValueError("rate is a share of the declarations, between 0 and 1")
    key = "score" if rank_by == "risk" else "expected_duty"
    joined = scored.merge(frame[["entry_no", "port", "date"]], on="entry_no")
    rng = np.random.default_rng(seed)
    chosen = []
    for (port, day), group in joined.groupby(["port", "date"], sort=True):
        k = min(len(group), capacity if capacity is not None else max(1, math.ceil(len(group) * rate)))
        top = group.nlargest(k, key)
        n = len(group)
        chosen.append(
            top.assign(
                kind="risk",
                reason=[
                    f"风险布控 rank {rank} of {n} by {rank_by.replace('_', ' ')} at port {port} on "
                    f"{pd.Timestamp(day).date()}: risk level {lvl}"
                    + (f"; {', '.join(list(why)[:3])}" if len(why) else "")
                    for rank, lvl, why in zip(range(1, k + 1), top["level"], top["reasons"], strict=True)
                ],
            )
        )
        rest = group.drop(top.index)
        extra = int(rng.binomial(k, random_share)) if len(rest) else 0
        if extra:
            sample = rest.sample(min(extra, len(rest)), random_state=int(rng.integers(1 << 30)))
            chosen.append(sample.assign(kind="random", reason="随机抽查 random sample for unbiased learning"))
    if not chosen:
        return joined.head(0).assign(kind="", reason="")
    return pd.concat(chosen, ignore_index=True).assign(rank_by=rank_by)


def write(store: GraphStore, chosen: pd.DataFrame, model_version: str) -> int:
    now = graph_now()
    rows = [
        {
            "id": f"instr_{r.entry_no}",
            "kind": r.kind,
            "reason": r.reason,
            "rank_by": r.rank_by,
            "score": round(float(r.score), 5),
            "level": int(r.level),
            "expected_duty": round(float(r.expected_duty), 2),
            "port": r.port,
            "day": str(pd.Timestamp(r.date).date()),
            "model_version": model_version,
            "issued_at": now,
            "status": "open",
        }
        for r in chosen.itertuples()
    ]
    store.merge_nodes("InspectionInstruction", rows)
    store.merge_relationships(
        "INSTRUCTS",
        "InspectionInstruction",
        "Declaration",
        [{"start": r["id"], "end": r["id"][6:]} for r in rows],
    )
    return len(rows)


def record_result(
    store: GraphStore,
    entry_no: str,
    outcome: str,
    *,
    officer: str,
    recovered_duty: float = 0.0,
    finding: str = "",
) -> dict[str, Any]:
    """An officer's inspection result: an Inspection node (a training label for the next model) that closes
    the declaration's instruction."""
    if outcome not in ("hit", "clear"):
        raise ValueError("outcome is hit or clear")
    if recovered_duty < 0:
        raise ValueError("recovered duty cannot be negative")
    if store.node("Declaration", entry_no) is None:
        raise KeyError(f"no declaration {entry_no!r}")
    today = utc_today()
    inspection = {
        "id": f"insp_{entry_no}",
        "date": today,
        "outcome": outcome,
        "finding": finding or ("none" if outcome == "clear" else "entered by officer"),
        "recovered_duty": recovered_duty,
        "officer": officer,
        "source": "feedback",
    }
    store.merge_nodes("Inspection", [inspection])
    store.merge_relationships(
        "INSPECTION_OF", "Inspection", "Declaration", [{"start": inspection["id"], "end": entry_no}]
    )
    store.query(
        "MATCH (i:InspectionInstruction)-[:INSTRUCTS]->(:Declaration {id: $d}) SET i.status = 'done', i.outcome = $o",
        {"d": entry_no, "o": outcome},
    )
    return inspection
