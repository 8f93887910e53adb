"""The demo world: generate a reproducible synthetic customs world with its ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)


@app.command()
def generate(
    scale: str = typer.Option("small", help="small (≈2k declarations), medium (≈100k) or large (≈1M)"),
    difficulty: str = typer.Option(
        "medium",
        help="easy (template rings in a quiet background), medium or hard (business parks, brokers, "
        "families, dormant shells, sparse and hidden gangs, noise, drift decoys)",
    ),
    seed: int = typer.Option(7, help="the same scale, difficulty and seed give identical files"),
    out: Path = typer.Option(..., help="folder to write the files into"),
) -> None:
    """Write the world's CSV files, ground_truth.json and manifest.json (formats in docs/world.md)."""
    from ingest.synthetic import DIFFICULTIES, SCALES, generate_world

    if scale not in SCALES:
        raise typer.BadParameter(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
    if difficulty not in DIFFICULTIES:
        raise typer.BadParameter(f"unknown difficulty {difficulty!r}; known: {', '.join(DIFFICULTIES)}")
    manifest = generate_world(scale, seed, out, difficulty=difficulty)
    typer.echo(json.dumps(manifest, ensure_ascii=False))


@app.command()
def foreign(
    out: Path = typer.Option(..., help="folder to write declarations.csv and ground_truth.json into"),
    rows: int = typer.Option(20_000, help="declarations"),
    seed: int = typer.Option(11),
) -> None:
    """Write the second synthetic export, in another administration's shape (the DATE study's layout; its
    mappings are examples/date_layout)."""
    from ingest.foreign_export import write_export

    truth = write_export(out, rows=rows, seed=seed)
    typer.echo(json.dumps({"rows": rows, "illicit": {k: len(v) for k, v in truth["illicit"].items()}}))
