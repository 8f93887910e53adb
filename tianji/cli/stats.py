"""Counts per label and per relationship type."""

from __future__ import annotations

import json

import typer

from graph.open import open_store


def command(as_json: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """Print node counts per label and relationship counts per type."""
    with open_store() as store:
        stats = store.stats()
    if as_json:
        typer.echo(json.dumps(stats))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("kind", "name", "count")
    for kind in ("labels", "types"):
        for name, count in stats[kind].items():
            if count:
                table.add_row(kind[:-1], name, f"{count:,}")
    Console().print(table)
