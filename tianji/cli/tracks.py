"""Trajectories: ingest points, a track, fences, multi-zone runs, companions, convoys, stops and trips, port
calls, events at sea (encounters, loitering, AIS gaps), accompanying gangs, graph write-back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from tianji.cli._spark import session, spark_errors
from tianji.core.settings import get_settings
from tianji.core.spark import Backend

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


BACKEND = typer.Option("duckdb", help="duckdb (in this process) or spark (TIANJI_SPARK_MASTER)")
POINTS = typer.Option(
    "", help="spark: the points' Parquet folder (day=…/), e.g. hdfs://…; default the track store's"
)


def _spark_points(backend: Backend, points: str) -> tuple[Any, str] | None:
    """The Spark session and the points' folder when the scan runs on Spark; None for DuckDB."""
    if backend == "duckdb":
        return None
    from tracks.store import TrackStore

    settings = get_settings()
    return session(settings), points or str(TrackStore(settings).root)


@app.command()
def companions(
    distance_m: float = 200.0, minutes: float = 30.0, backend: Backend = BACKEND, points: str = POINTS
) -> None:
    """Companion vehicle groups."""
    from tracks.analysis import CompanionConfig, groups
    from tracks.analysis import companions as run
    from tracks.spark_scans import companions as run_on_spark
    from tracks.store import TrackStore

    config = CompanionConfig(distance_m, minutes)
    on_spark = _spark_points(backend, points)
    with spark_errors("--points"):
        pairs = run_on_spark(*on_spark, config) if on_spark else run(TrackStore(get_settings()), config)
    for group in groups(pairs):
        typer.echo(", ".join(group))


def _window(start: str | None, end: str | None) -> tuple[str, str] | None:
    if (start is None) != (end is None):
        raise typer.BadParameter("give both --start and --end, or neither")
    return (start, end) if start and end else None


START = typer.Option(None, help="window start (ISO date or time); only the days it overlaps are read")
END = typer.Option(None, help="window end (ISO date or time)")


@app.command()
def convoys(
    min_vehicles: int = typer.Option(3, min=2, help="m: vehicles in a convoy"),
    min_windows: int = typer.Option(15, min=1, help="k: consecutive 2-minute windows together"),
    distance_m: float = typer.Option(200.0, min=1.0),
    start: str | None = START,
    end: str | None = END,
) -> None:
    """Convoys: m or more vehicles moving together for k or more windows (CSV)."""
    from tracks.convoys import ConvoyConfig
    from tracks.convoys import convoys as run
    from tracks.store import TrackStore

    config = ConvoyConfig(min_vehicles=min_vehicles, min_windows=min_windows, distance_m=distance_m)
    found = run(TrackStore(get_settings()), config, _window(start, end))
    typer.echo(found.assign(members=found["members"].map(" ".join)).to_csv(index=False))


@app.command()
def encounters(
    dark: bool = typer.Option(False, "--dark", help="only dark rendezvous (an AIS gap around the encounter)"),
    start: str | None = START,
    end: str | None = END,
    backend: Backend = BACKEND,
    points: str = POINTS,
) -> None:
    """Encounters at sea: two vessels within 500 m for 2 hours or more at under 2 knots (CSV). On Spark,
    the AIS gaps that mark dark rendezvous are still read in this process."""
    from tracks.sea import SeaConfig, dark_rendezvous, gaps, sea_events
    from tracks.spark_scans import encounters as run_on_spark
    from tracks.store import TrackStore

    window = _window(start, end)
    on_spark = _spark_points(backend, points)
    if on_spark:
        config = SeaConfig()
        with spark_errors("--points"):
            met = run_on_spark(*on_spark, config, window)
        found = dark_rendezvous(met, gaps(TrackStore(get_settings()), config, window), config)
    else:
        found = sea_events(TrackStore(get_settings()), window=window).encounters
    if dark and len(found):
        found = found[found["dark"]]
    typer.echo(found.to_csv(index=False))


@app.command()
def loitering(start: str | None = START, end: str | None = END) -> None:
    """Vessels slow alone offshore for 3 hours or more (CSV)."""
    from tracks.sea import sea_events
    from tracks.store import TrackStore

    typer.echo(
        sea_events(TrackStore(get_settings()), window=_window(start, end)).loitering.to_csv(index=False)
    )


@app.command()
def gaps(
    min_hours: float = typer.Option(12.0, min=1.0, help="silence that counts as a gap"),
    start: str | None = START,
    end: str | None = END,
) -> None:
    """AIS gaps at sea: vessels silent for 12 hours or more (CSV)."""
    from tracks.sea import SeaConfig
    from tracks.sea import gaps as run
    from tracks.store import TrackStore

    typer.echo(
        run(TrackStore(get_settings()), SeaConfig(gap_hours=min_hours), _window(start, end)).to_csv(
            index=False
        )
    )


@app.command()
def stops(target: str) -> None:
    """A vehicle's or vessel's stops and trips, from the stored points (CSV)."""
    from tracks.movement import stops_and_trips
    from tracks.store import TrackStore

    found, trips = stops_and_trips(TrackStore(get_settings()), targets=[target])
    typer.echo(found.to_csv(index=False))
    typer.echo(trips.to_csv(index=False))


@app.command()
def calls(day: str | None = None) -> None:
    """Vessels' port calls, from the stored AIS points (CSV)."""
    from tracks.movement import port_calls
    from tracks.store import TrackStore

    typer.echo(port_calls(TrackStore(get_settings()), day).to_csv(index=False))


@app.command()
def gangs(min_minutes: float = 30.0, first: int = 20) -> None:
    """Accompanying gangs: convoys of companion vehicles with their enterprises, gangs and places (JSON lines)."""
    from graph.open import open_store
    from tracks.accompanying import convoys

    with open_store(settings=get_settings()) as store:
        for convoy in convoys(store, min_minutes=min_minutes, first=first):
            typer.echo(json.dumps(convoy.as_dict(), ensure_ascii=False, default=str))


@app.command()
def analyse() -> None:
    """Write companion links, convoys, fence events, stops, trips, port calls, visits and events at sea to the
    graph."""
    from graph.open import open_store
    from tracks.service import write_back
    from tracks.store import TrackStore

    settings = get_settings()
    with open_store(settings=settings) as store:
        typer.echo(json.dumps(write_back(store, TrackStore(settings))))
