"""Trajectories: ingest points, a track, fences, multi-zone runs, companions, graph write-back."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tianji.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def ingest(file: Path) -> None:
    """Load GPS/AIS points from CSV, Parquet or JSON lines (target, ts, lat, lon[, kind, speed])."""
    from tracks.store import TrackStore

    report = TrackStore(get_settings()).ingest_file(file)
    typer.echo(json.dumps(report.__dict__, ensure_ascii=False))


@app.command()
def follow(file: Path = typer.Argument(..., help="a JSON-lines file other systems append to")) -> None:
    """Follow a stream of JSON lines: new points are stored (queryable) every few seconds."""
    import time

    import pandas as pd

    from tracks.store import TrackStore

    store = TrackStore(get_settings())
    with file.open(encoding="utf-8") as handle:
        while True:
            lines = handle.readlines()
            if lines:
                rows = []
                for line in lines:
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError:
                        typer.echo(f"skipped a malformed line: {line[:80]!r}", err=True)
                report = store.ingest(pd.DataFrame(rows))
                typer.echo(json.dumps(report.__dict__, ensure_ascii=False))
            time.sleep(2)


@app.command()
def track(target: str, start: str, end: str) -> None:
    """One target's simplified track as CSV."""
    from tracks.analysis import track as run
    from tracks.store import TrackStore

    typer.echo(run(TrackStore(get_settings()), target, start, end).to_csv(index=False))


@app.command()
def companions(distance_m: float = 200.0, minutes: float = 30.0) -> None:
    """Companion vehicle groups."""
    from tracks.analysis import CompanionConfig, groups
    from tracks.analysis import companions as run
    from tracks.store import TrackStore

    for group in groups(run(TrackStore(get_settings()), CompanionConfig(distance_m, minutes))):
        typer.echo(", ".join(group))


@app.command()
def analyse() -> None:
    """Write companion links (TRAVELLED_WITH) and fence events to the graph."""
    from graph.store import open_store
    from tracks.service import write_back
    from tracks.store import TrackStore

    settings = get_settings()
    with open_store(settings=settings) as store:
        typer.echo(json.dumps(write_back(store, TrackStore(settings))))
