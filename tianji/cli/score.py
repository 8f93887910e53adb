"""Risk scoring: train and evaluate (with and without graph features), score, promote, roll back, instruct."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from scoring.exploration import SHARE, UNCERTAIN
from tianji.cli._spark import session, spark_errors
from tianji.core.settings import get_settings
from tianji.core.spark import Backend

app = typer.Typer(no_args_is_help=True)


@app.command("train")
def train_model(
    split_date: str = typer.Option(
        "", help="train before, evaluate after (default: the 75th percentile date)"
    ),
    iterations: int = typer.Option(1000, help="most trees; the validation period stops it earlier"),
    promote_it: bool = typer.Option(True, "--promote/--no-promote"),
    code_lists: Path | None = typer.Option(
        None, "--code-lists", help="the administration's code lists for the indicators (YAML)"
    ),
) -> None:
    """Train on inspected declarations with a time split; print the evaluation; register (and promote) it."""
    from graph.open import open_store
    from scoring.features import load_declarations
    from scoring.indicators import IndicatorError
    from scoring.model import ModelError, promote, save, train

    settings = get_settings()
    with open_store(settings=settings) as store:
        frame = load_declarations(store)
        if frame.empty:
            typer.echo("error: no declarations in the graph: load a source first (tianji ingest)", err=True)
            raise typer.Exit(2)
        split = split_date or str(frame["date"].quantile(0.75).date())
        try:
            trained = train(store, frame, split_date=split, iterations=iterations, code_lists=code_lists)
        except (ModelError, IndicatorError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    save(settings, trained)
    if promote_it:
        promote(settings, trained.meta["version"])
    typer.echo(json.dumps({"version": trained.meta["version"], **trained.meta["metrics"]}, indent=1))


@app.command()
def batch(
    backend: Backend = typer.Option(
        "duckdb",
        help="duckdb: in this process, RiskScore nodes written; spark: features exported as Parquet and "
        "scored on Spark (TIANJI_SPARK_MASTER), the scores written as Parquet",
    ),
    features: str = typer.Option(
        "",
        help="spark: the features' Parquet folder, a path or URI (s3a://…, hdfs://…; "
        "default DATA_DIR/batch/declarations)",
    ),
    out: str = typer.Option("", help="spark: the scores' Parquet folder (default DATA_DIR/batch/scores)"),
    from_export: bool = typer.Option(
        False, "--from-export", help="spark: score the export already at --features (no graph read)"
    ),
) -> None:
    """Score every declaration with the promoted model."""
    from graph.open import open_store
    from scoring.service import run_scoring

    settings = get_settings()
    if backend == "duckdb":
        with open_store(settings=settings) as store:
            typer.echo(json.dumps(run_scoring(store, settings)))
        return
    from scoring.batch import ExportError, export_features, score_batch
    from scoring.features import load_declarations
    from scoring.model import ModelError, load

    spark = session(settings)  # before any work: no Java or no pyspark is said at once
    try:
        trained = load(settings)
    except ModelError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    features = features or str(settings.data_dir / "batch" / "declarations")
    exported = 0
    if not from_export:
        with open_store(settings=settings) as store:
            try:
                exported = export_features(store, trained, load_declarations(store), features)
            except ExportError as exc:
                raise typer.BadParameter(str(exc), param_hint="--features") from None
    with spark_errors("--features" if from_export else ""):
        summary = score_batch(spark, trained, features, out or str(settings.data_dir / "batch" / "scores"))
    typer.echo(json.dumps({"exported": exported, **summary}))


@app.command()
def rollback() -> None:
    """Go back to the previously promoted model."""
    from scoring.model import rollback as back

    typer.echo(f"promoted {back(get_settings())}")


@app.command()
def instruct(
    rate: float = typer.Option(0.05, help="share of each port's declarations per day to inspect"),
    capacity: int = typer.Option(0, help="inspections per port and day (overrides rate when set)"),
    rank_by: str = typer.Option("risk", help="risk, or expected_duty (probability × duty at stake)"),
    days: int = typer.Option(7, help="the last N days of declarations"),
    explore: float = typer.Option(SHARE, help="share of the inspections drawn to explore"),
    uncertain: float = typer.Option(UNCERTAIN, help="of the exploring ones, the share chosen by uncertainty"),
    adapt: bool = typer.Option(
        True, "--adapt/--no-adapt", help="raise the exploration share with the score drift (PSI)"
    ),
) -> None:
    """Issue inspection instructions (InspectionInstruction nodes with their reasons) for recent declarations;
    a share of them explores (at random, and where the model is least sure), more when the scores drift."""
    import pandas as pd

    from graph.open import open_store
    from scoring import instructions
    from scoring.exploration import share_for
    from scoring.features import load_declarations
    from scoring.model import load
    from scoring.service import score_frame

    if rank_by not in ("risk", "expected_duty"):
        raise typer.BadParameter("rank-by is risk or expected_duty")
    settings = get_settings()
    trained = load(settings)
    with open_store(settings=settings) as store:
        frame = load_declarations(store)
        recent = frame[frame["date"] > frame["date"].max() - pd.Timedelta(days=days)].reset_index(drop=True)
        share, drift = share_for(store, trained, explore) if adapt else (explore, None)
        chosen = instructions.choose(
            score_frame(store, trained, recent, past=frame),
            recent,
            rate=rate,
            capacity=capacity or None,
            explore=share,
            uncertain=uncertain,
            rank_by=rank_by,  # type: ignore[arg-type]
        )
        written = instructions.write(store, chosen, trained.meta["version"])
    kinds = chosen["kind"].value_counts().to_dict()
    typer.echo(
        json.dumps(
            {
                "instructions": written,
                "psi": drift,
                "explore_share": share,
                **{kind: int(kinds.get(kind, 0)) for kind in ("risk", "explore_random", "explore_uncertain")},
            }
        )
    )


@app.command()
def result(
    entry_no: str, outcome: str, officer: str = typer.Option(...), recovered_duty: float = 0.0
) -> None:
    """Enter an inspection result (hit or clear): a label for the next training, and the instruction closed."""
    from graph.open import open_store
    from scoring.instructions import record_result

    with open_store(settings=get_settings()) as store:
        typer.echo(
            json.dumps(
                record_result(store, entry_no, outcome, officer=officer, recovered_duty=recovered_duty)
            )
        )


@app.command()
def retrain(iterations: int = typer.Option(1000)) -> None:
    """Train on every label so far (including entered results); promote only if its AUC is not worse than
    the promoted model's by more than 0.005."""
    from graph.open import open_store
    from scoring.features import load_declarations
    from scoring.model import ModelError, load, promote, save, train

    settings = get_settings()
    with open_store(settings=settings) as store:
        frame = load_declarations(store)
        trained = train(
            store, frame, split_date=str(frame["date"].quantile(0.75).date()), iterations=iterations
        )
    save(settings, trained)
    try:
        current = load(settings).meta["metrics"].get("auc") or 0.0
    except ModelError:
        current = 0.0
    new = trained.meta["metrics"].get("auc") or 0.0
    promoted = new >= current - 0.005
    if promoted:
        promote(settings, trained.meta["version"])
    typer.echo(
        json.dumps(
            {"version": trained.meta["version"], "auc": new, "promoted_auc": current, "promoted": promoted}
        )
    )


@app.command()
def monitor(days: int = typer.Option(30, help="the last N days of scored declarations")) -> None:
    """Score-distribution drift of the promoted model: its recent scores against its training period
    (population stability index; above 0.2 the distribution drifted). Exits 1 when it drifted."""
    from graph.open import open_store
    from scoring.model import load
    from scoring.monitor import score_drift

    settings = get_settings()
    trained = load(settings)
    with open_store(settings=settings) as store:
        report = score_drift(store, trained, days=days)
    typer.echo(json.dumps(report.as_dict()))
    if report.drifted:
        raise typer.Exit(1)
