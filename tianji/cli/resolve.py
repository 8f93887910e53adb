"""Entity resolution: overseas parties in the graph, or any CSV table, with precision/recall when truth is known."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import typer

from tianji.cli._spark import session, spark_errors
from tianji.core.settings import get_settings
from tianji.core.spark import Backend

app = typer.Typer(no_args_is_help=True)


@app.command()
def overseas(
    incremental: bool = typer.Option(False, help="only spellings not linked yet, against existing subjects"),
    semantic: bool = typer.Option(False, help="also block by sentence embeddings (MiniLM) for the residue"),
) -> None:
    """Resolve PartyMention spellings into OverseasParty subjects (SAME_AS links); queue uncertain pairs.
    Shows progress; an interrupted run started again skips the blocks it finished."""
    from graph.open import open_store
    from ingest.resolution.overseas import resolve_overseas

    settings = get_settings()
    with open_store(settings=settings) as store:
        _, summary = resolve_overseas(
            store, settings, incremental=incremental, semantic=semantic, progress=True
        )
    typer.echo(json.dumps(summary))


@app.command()
def records(
    kind: str = typer.Argument(..., help="person, enterprise, vehicle or vessel"),
    file: Path = typer.Argument(..., help="a CSV of other sources' records (record_id, name, …)"),
    backend: Backend = typer.Option(
        "duckdb", help="where the linker runs: duckdb (in this process) or spark (TIANJI_SPARK_MASTER)"
    ),
) -> None:
    """Resolve people's, enterprises', vehicles' or vessels' records from other sources into the graph:
    SourceRecord nodes, SAME_AS to the Person, Enterprise, Vehicle or Vessel they identify (with weight and
    explanation), POSSIBLY_SAME_AS between records short of a merge; uncertain pairs are queued for review,
    and a new match that contradicts a reviewer's decision is flagged there."""
    from graph.open import open_store
    from ingest.resolution.prepare import InputError
    from ingest.resolution.subjects import KINDS, resolve_records

    if kind not in KINDS:
        raise typer.BadParameter(f"kind must be one of {', '.join(KINDS)}")
    if not file.exists():
        raise typer.BadParameter(f"no file {file}")
    rows = list(csv.DictReader(file.open(encoding="utf-8")))
    settings = get_settings()
    if backend == "spark":
        session(settings)  # started before the graph is opened: no Java or no pyspark is said at once
    with open_store(settings=settings) as store, spark_errors():
        try:
            _, summary = resolve_records(store, settings, kind, rows, backend=backend)
        except InputError as exc:
            raise typer.BadParameter(str(exc)) from None
    typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command()
def merge(keep: str, other: str, user: str = typer.Option(..., help="who decides")) -> None:
    """Merge overseas party OTHER into KEEP (logged, reversible with `tianji resolve revert`)."""
    from graph.open import open_store
    from ingest.resolution.overseas import merge_parties

    settings = get_settings()
    with open_store(settings=settings) as store:
        typer.echo(json.dumps(merge_parties(store, settings, keep, other, user), default=str))


@app.command()
def split(party: str, mentions: list[str], user: str = typer.Option(..., help="who decides")) -> None:
    """Split MENTIONS off overseas party PARTY into a new subject (logged, reversible)."""
    from graph.open import open_store
    from ingest.resolution.overseas import split_party

    settings = get_settings()
    with open_store(settings=settings) as store:
        typer.echo(json.dumps(split_party(store, settings, party, mentions, user), default=str))


@app.command()
def revert(action: int, user: str = typer.Option(..., help="who decides")) -> None:
    """Revert a merge or split: mentions go back, its constraints are withdrawn."""
    from graph.open import open_store
    from ingest.resolution.overseas import revert as run

    settings = get_settings()
    with open_store(settings=settings) as store:
        typer.echo(json.dumps(run(store, settings, action, user), default=str))


@app.command()
def table(
    file: Path = typer.Argument(..., help="a CSV file"),
    id_field: str = "id",
    name_field: str = "name",
    kind: str = typer.Option("overseas", help="name normalisation: overseas, chinese or person"),
    strong_key: str = typer.Option("", help="a column that identifies a subject outright when present"),
    same: list[str] = typer.Option([], help="columns that must agree (e.g. country)"),
) -> None:
    """Cluster the rows of any CSV table; print row id -> cluster id as CSV."""
    from ingest.resolution import normalize, resolve

    normalisers: dict[str, Callable[[str], str]] = {
        "overseas": normalize.overseas,
        "chinese": normalize.chinese_enterprise,
        "person": normalize.person,
    }
    normalise = normalisers[kind]
    rows = list(csv.DictReader(file.open(encoding="utf-8")))
    result = resolve(
        rows,
        id_field=id_field,
        name_field=name_field,
        normalise=normalise,
        strong_key=strong_key or None,
        same=same,
    )
    typer.echo("id,cluster")
    for record, cluster in result.clusters.items():
        typer.echo(f"{record},{cluster}")
    for record, reason in result.unresolved.items():
        typer.echo(f"{record},unresolved: {reason}")
