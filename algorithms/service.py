"""Analyses as steps: what ``make run`` and the scheduler call."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from algorithms import drift, gangs
from graph.store import GraphStore
from tianji.core.settings import Settings


def run_gangs(store: GraphStore, settings: Settings, world: Path | None = None) -> dict[str, object]:
    """Detect gangs, find their key members and loops, write them back."""
    run = gangs.detect(store)
    summary = gangs.write_back(store, run)
    Console().print(
        f"  {summary['gangs']} gangs, {summary['members']} member enterprises, "
        f"{sum(len(g.trade_loops) for g in run.gangs)} trade loops"
    )
    return summary


def run_drift(store: GraphStore, settings: Settings, world: Path | None = None) -> int:
    """Scan active gangs for a change of vest or port drift; write DriftEvent nodes."""
    events = drift.scan_all(store)
    count = drift.write_back(store, events)
    Console().print(f"  {count} drift events")
    return count
