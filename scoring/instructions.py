"""Inspection instructions: given a capacity per port and day (or a target rate), inspect the highest-risk
declarations (by risk, or by expected recovered duty), and spend a share of the capacity exploring
(``scoring/exploration.py``), so that the model keeps learning from declarations it would not have chosen. Each instruction is a node with its
reason; entering the inspection's result closes it and becomes a training label."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from graph.store import GraphStore
from scoring import exploration
from tianji.core.clock import graph_now, utc_today


def choose(
    scored: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    rate: float = 0.05,
    capacity: int | None = None,
    explore: float = exploration.SHARE,
    uncertain: float = exploration.UNCERTAIN,
    rank_by: Literal["risk", "expected_duty"] = "risk",
    seed: int = 7,
) -> pd.DataFrame:
    """Per port and day, ``capacity`` inspections (or ``rate`` of the day's declarations): ``explore`` of
    them drawn to explore (``uncertain`` of those the rest's most uncertain, the others at random), the
    others the highest by risk or by expected recovered duty."""
    if not 0 < rate <= 1:
        raise ValueError("rate is a share of the declarations, between 0 and 1")
    if not 0 <= explore <= 1 or not 0 <= uncertain <= 1:
        raise ValueError("the exploration shares are between 0 and 1")
    key = "score" if rank_by == "risk" else "expected_duty"
    joined = scored.merge(frame[["entry_no", "port", "date"]], on="entry_no")
    rng = np.random.default_rng(seed)
    chosen = []
    for (port, day), group in joined.groupby(["port", "date"], sort=True):
        k = min(len(group), capacity if capacity is not None else max(1, math.ceil(len(group) * rate)))
        explored = exploration.split(k, explore, rng)
        top = group.nlargest(k - explored, key)
        n = len(group)
        chosen.append(
            top.assign(
                kind="risk",
                reason=[
                    f"风险布控 rank {rank} of {n} by {rank_by.replace('_', ' ')} at port {port} on "
                    f"{pd.Timestamp(day).date()}: risk level {lvl}"
                    + (f"; {', '.join(list(why)[:3])}" if len(why) else "")
                    for rank, lvl, why in zip(
                        range(1, len(top) + 1), top["level"], top["reasons"], strict=True
                    )
                ],
            )
        )
        chosen += exploration.picks(
            group.drop(top.index), explored, uncertain=uncertain, share=explore, rng=rng
        )
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
