"""High-risk prompts: a blacklisted enterprise's new declaration, and a new enterprise tied to it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alerts.prompts import raise_prompts
from graph.store import GraphStore
from ingest.loader import Loader
from tagging.engine import apply_all
from tagging.rules import load_hierarchy
from tests.alerts.test_alerts import _legal_rep, drift_batch
from tests.ingest.builders import uscc
from tianji.core.settings import Settings


def test_new_facts_around_a_blacklisted_enterprise_raise_prompts(
    store: GraphStore,
    settings: Settings,
    watched_world: dict[str, Any],
    tmp_path: Path,
) -> None:
    apply_all(store, load_hierarchy())  # uscc(1) is party to case C0001: blacklisted, layer I
    assert raise_prompts(store, settings) == []  # the first run only sets the watermark
    time.sleep(1.1)
    Loader(store, settings, progress=False).load_dir(drift_batch(tmp_path / "b", _legal_rep(store, uscc(1))))
    alerts = {a["cause"]: a for a in raise_prompts(store, settings)}
    assert set(alerts) == {f"high_risk_declaration:{uscc(1)}", f"high_risk_new_enterprise:{uscc(9)}"}
    new = alerts[f"high_risk_new_enterprise:{uscc(9)}"]
    assert new["kind"] == "high_risk_prompt" and f"Enterprise:{uscc(1)}" in new["evidence"]
    assert "Declaration:510020250000000002" in alerts[f"high_risk_declaration:{uscc(1)}"]["evidence"]
    assert raise_prompts(store, settings) == []  # nothing new since
