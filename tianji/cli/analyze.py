"""The analysis centre from the command line: gangs, drift, ring search, paths and relation strength."""

from __future__ import annotations

import json

import typer

from tianji.core.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def gangs(
    resolution: float | None = typer.Option(None, help="CPM resolution (default: the detector's own)"),
) -> None:
    """Detect gangs (Leiden, CPM), key members and closed loops; write them back."""
    from algorithms.gangs import GangConfig, detect, write_back
    from graph.open import open_store

    config = GangConfig() if resolution is None else GangConfig(resolution=resolution)
    with open_store(settings=get_settings()) as store:
        typer.echo(json.dumps(write_back(store, detect(store, config))))


@app.command()
def drift() -> None:
    """Scan active gangs for a change of vest or port drift; write DriftEvent nodes."""
    from algorithms.drift import scan_all, write_back
    from graph.open import open_store

    with open_store(settings=get_settings()) as store:
        events = scan_all(store)
        write_back(store, events)
    for event in events:
        typer.echo(f"{event.gang} {event.kind:<15} {event.port or '':<5} {', '.join(event.enterprises)}")


@app.command()
def rings(gang: str, top: int = 10) -> None:
    """Gangs built like GANG (exact structure first, then by similarity)."""
    from algorithms.rings import search_like
    from graph.open import open_store

    with open_store(settings=get_settings()) as store:
        for match in search_like(store, gang, top):
            typer.echo(f"{match.gang} exact={match.exact} similarity={match.similarity} size={match.size}")


@app.command()
def strength(from_label: str, from_id: str, to_label: str, to_id: str) -> None:
    """Relation strength between two subjects, with its paths."""
    from algorithms.paths import strength as run
    from graph.open import open_store

    with open_store(settings=get_settings()) as store:
        result = run(store, (from_label, from_id), (to_label, to_id))
    typer.echo(
        json.dumps({"score": result.score, "explanation": result.explanation}, ensure_ascii=False, indent=1)
    )
