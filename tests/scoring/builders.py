"""Builders for the scoring tests: facts that make the expert rules fire on a declaration of a small world."""

from __future__ import annotations

from typing import Any

import numpy as np

from graph.store import GraphStore
from imaging.cargo import GROUPS, group_of_hs
from imaging.scan_images import generate_scan
from imaging.verdicts import record_verdicts
from tianji.core.settings import Settings


def suspect_scan(store: GraphStore, settings: Settings, entry: str, hs: str | None, **seen: float) -> None:
    """A truck scan of ``entry`` with the scan model's verdicts on it as ``imaging.verdicts`` writes them,
    the model's confidences fixed by ``seen`` (``controlled=0.97``: a controlled-goods silhouette, rule
    IND-025; ``concealment=0.93``: a possible concealment, IND-026). What is under test is the score, not
    the scan model."""
    declared = group_of_hs(hs) or GROUPS[0]
    controlled = seen.get("controlled", 0.0) > 0.5
    scan = generate_scan(np.random.default_rng(3), group=declared, controlled=controlled, vehicle="truck")
    prediction: dict[str, Any] = {
        "concealment": 0.1,
        "empty": 0.01,
        "groups": [declared],
        "group_confidence": 0.9,
        "controlled": 0.02,
        **seen,
    }
    record_verdicts(store, settings, entry, scan.image, prediction, hs)
