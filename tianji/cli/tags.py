"""The label system: list and validate tags, dry-run one, re-tag the graph."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tianji.core.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_tags() -> None:
    """The tag hierarchy in force."""
    from tagging.service import current_hierarchy

    for tag in current_hierarchy(get_settings()).tags:
        state = " (retired)" if tag.retired else ""
        typer.echo(
            f"{tag.code:<15} {tag.category:<13} L{tag.level} {tag.layer:<4} v{tag.version} {tag.name_zh}{state}"
        )


@app.command()
def validate(file: Path = typer.Argument(..., help="a hierarchy YAML file")) -> None:
    """Validate a hierarchy file: rules parse, labels and types exist, no propagation cycle."""
    from tagging.rules import RuleError, load_hierarchy

    try:
        hierarchy = load_hierarchy(file)
    except RuleError as exc:
        typer.echo(f"invalid: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"valid: {len(hierarchy.tags)} tags, version {hierarchy.version}")


@app.command("dry-run")
def dry_run(code: str) -> None:
    """What re-applying one tag now would add and remove."""
    from graph.open import open_store
    from tagging.engine import dry_run as run
    from tagging.service import current_hierarchy

    settings = get_settings()
    with open_store(settings=settings) as store:
        change = run(store, current_hierarchy(settings).tag(code))
    typer.echo(json.dumps(change.as_dict(), ensure_ascii=False))


@app.command()
def retag() -> None:
    """Write the definitions and re-tag the whole graph (only changed subjects are touched)."""
    from graph.open import open_store
    from tagging.service import retag_all

    settings = get_settings()
    with open_store(settings=settings) as store:
        for change in retag_all(store, settings):
            typer.echo(f"{change.tag:<15} +{len(change.add)} -{len(change.remove)} ={change.keep}")
