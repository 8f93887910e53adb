"""Load source files into the graph."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer

from api.audit import audit_denied
from api.auth import User
from graph.open import open_store
from graph.types import GraphError
from ingest.check import as_dict, check_dir, report
from ingest.loader import Loader
from ingest.mapping import load_mapping, load_mappings
from ingest.readers import SourceError
from ontology import OntologyError
from tianji.core.settings import get_settings


def command(
    directory: Path = typer.Argument(..., help="folder holding the source files"),
    check: bool = typer.Option(
        False,
        "--check",
        help="dry run: read and validate everything, write nothing, and print per mapping and column what "
        "would be quarantined and why",
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help="load only this mapping file's source"),
    mappings_dir: Path | None = typer.Option(
        None,
        "--mappings",
        help="a folder of mapping files to use instead of ingest/mappings (another administration's export)",
    ),
    chunk_rows: int = typer.Option(10_000, help="rows validated and written per batch"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
    unit: str = typer.Option(
        "*",
        "--unit",
        help="load for this customs unit: rows that would change another unit's nodes are refused, "
        "quarantined and audited ('*', the default: every unit)",
    ),
) -> None:
    """Load every file of DIRECTORY that a mapping names; bad rows go to the run's quarantine file. With
    --check, a dry run that writes nothing and reports what would be quarantined, per mapping and column."""
    settings = get_settings()
    with open_store(settings=settings) as store:
        try:
            mappings = (
                [load_mapping(mapping, store.ontology)]
                if mapping
                else load_mappings(mappings_dir, store.ontology)
                if mappings_dir
                else None
            )
            if check:
                checks = check_dir(store, settings, directory, mappings)
                typer.echo(report(checks))
                typer.echo(json.dumps(as_dict(checks), ensure_ascii=False))
                if any(c.would_quarantine or c.missing_columns or c.error for c in checks):
                    raise typer.Exit(1)
                return
            store.apply_schema()
            loader = Loader(store, settings, progress=progress, chunk_rows=chunk_rows, unit=unit)
            run = loader.load_dir(directory, mappings)
        except (SourceError, OntologyError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except GraphError as exc:  # the graph went away (a failover, a crash): what was journaled stands
            typer.echo(
                f"error: the graph stopped answering: {exc}. Batches acknowledged before it are kept; "
                "run the same ingest again to complete it.",
                err=True,
            )
            raise typer.Exit(3) from None
    if run.denied:
        operator = User(f"cli:{getpass.getuser()}", "service", unit)
        audit_denied(settings, operator, f"tianji ingest {directory}", run.denied)
        typer.echo(f"refused {len(run.denied):,} rows that belong to other units", err=True)
    for error in run.errors:
        typer.echo(f"error: {error}", err=True)
    typer.echo(
        f"read {run.read:,} rows, loaded {run.loaded:,}, quarantined {run.quarantined:,}"
        + (f" (see {run.quarantine_file})" if run.quarantined else "")
    )
    typer.echo(
        json.dumps(
            {
                "run_id": run.run_id,
                "read": run.read,
                "loaded": run.loaded,
                "quarantined": run.quarantined,
                "errors": len(run.errors),
                "denied": len(run.denied),
            }
        )
    )
    if run.errors:
        raise typer.Exit(1)
