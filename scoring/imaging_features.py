"""Features of what a declaration's own images and papers say: its scans' verdicts, its trade documents'
flags, its certificates' mismatches.

A declaration that was never scanned has no scan features (missing values, not zeros: a zero would say
"scanned and clean"); one without documents or certificates has none of those. CatBoost treats a missing
value as its own case, and the expert indicators over these features (``scoring/indicators.yaml``) do not
fire on one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graph.store import GraphStore
from scoring.scope import scope

#: feature → the scan-model task whose confidence it carries (the highest over the declaration's scans):
#: the probability of concealment, of a controlled-goods silhouette (``imaging.verdicts.judge_scan``)
SCAN_TASKS = {"scan_concealment": "concealment", "scan_controlled": "controlled_goods"}
CARGO_TASK = "declared_cargo"  # its verdict starts with "inconsistent" when the cargo is unlike the goods
IMAGING = [*SCAN_TASKS, "cargo_inconsistent", "document_flags", "certificate_mismatches"]
FEW_DECLARATIONS = 2_000  # up to this many, look the declarations up one by one; more: scan once


def imaging_features(store: GraphStore, frame: pd.DataFrame) -> pd.DataFrame:
    """The imaging features of every row of ``frame`` (by ``entry_no``); missing where nothing was read."""
    ids = frame["entry_no"].astype(str).unique().tolist()
    declarations = scope(store, "Declaration", ids, FEW_DECLARATIONS)
    verdicts = declarations.frame(
        "MATCH (v:ImageVerdict)-[:VERDICT_ON]->(n) "
        "RETURN n.id AS entry_no, v.task AS task, v.verdict AS verdict, v.confidence AS confidence",
        ["entry_no", "task", "verdict", "confidence"],
    )
    documents = declarations.frame(
        "MATCH (x:Document)-[:DOCUMENT_OF]->(n) "
        "RETURN n.id AS entry_no, sum(size(coalesce(x.flags, []))) AS document_flags",
        ["entry_no", "document_flags"],
    )
    certificates = declarations.frame(
        "MATCH (x:Certificate)-[:CERTIFIES]->(n) "
        "RETURN n.id AS entry_no, sum(size(coalesce(x.mismatches, []))) AS certificate_mismatches",
        ["entry_no", "certificate_mismatches"],
    )
    found = _scan_columns(verdicts).merge(documents, on="entry_no", how="outer")
    found = found.merge(certificates, on="entry_no", how="outer")
    merged = frame[["entry_no"]].astype({"entry_no": str}).merge(found, on="entry_no", how="left")
    return pd.DataFrame(
        {c: pd.to_numeric(merged[c], errors="coerce").astype(float).to_numpy() for c in IMAGING},
        index=frame.index,
    )


def _scan_columns(verdicts: pd.DataFrame) -> pd.DataFrame:
    """One row per scanned declaration: the highest confidence per task of ``SCAN_TASKS``, and whether any
    scan saw cargo unlike the declared goods. A scanned declaration whose scans lack a task has a missing
    value for it."""
    scanned = pd.DataFrame({"entry_no": verdicts["entry_no"].unique()})
    confidence = pd.to_numeric(verdicts["confidence"], errors="coerce")
    for feature, task in SCAN_TASKS.items():
        best = confidence[verdicts["task"] == task].groupby(verdicts["entry_no"]).max()
        scanned[feature] = scanned["entry_no"].map(best)
    cargo = verdicts[verdicts["task"] == CARGO_TASK]
    unlike = cargo["verdict"].fillna("").astype(str).str.startswith("inconsistent").astype(float)
    scanned["cargo_inconsistent"] = scanned["entry_no"].map(unlike.groupby(cargo["entry_no"]).max())
    return scanned.astype({"entry_no": str}).replace({None: np.nan})
