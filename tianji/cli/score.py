"""Risk scoring: train and evaluate (with and without graph features), score, promote, roll back, instruct."""

from __future__ import annotations

import json

import typer

from tianji.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command("train")
def train_model(
    split_date: str = typer.Option(
        "", help="train before, evaluate after (default: the 75th percentile date)"
    ),
    iterations: int = typer.Option(300),
    promote_it: bool = typer.Option(True, "--promote/--no-promote"),
) -> None:
    """Train on inspected declarations with a time split; print the evaluation; register (and promote) it."""
    from graph.store import open_store
    from scoring.features import load_declarations
    from scoring.model import promote, save, train

    settings = get_settings()
    with open_store(settings=settings) as store:
        frame = load_declarations(store)
        split = split_date or str(frame["date"].quantile(0.75).date())
        trained = train(store, frame, split_date=split, iterations=iterations)
    save(settings, trained)
    if promote_it:
        promote(settings, trained.meta["version"])
    typer.echo(json.dumps({"version": trained.meta["version"], **trained.meta["metrics"]}, indent=1))


@app.command()
def batch() -> None:
    """Score every declaration with the promoted model and write RiskScore nodes."""
    from graph.store import open_store
    from scoring.service import run_scoring

    with open_store(settings=get_settings()) as store:
        typer.echo(json.dumps(run_scoring(store, get_settings())))


@app.command()
def rollback() -> None:
    """Go back to the previously promoted model."""
    from scoring.model import rollback as back

    typer.echo(f"promoted {back(get_settings())}")
