"""Imaging: train the scan model, read a certificate or document page, judge a scan."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tianji.core.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def train(
    images: int = typer.Option(800, help="generated scans to train on"),
    epochs: int = typer.Option(5, help="passes of the CNN (concealment, empty, controlled goods)"),
    iterations: int = typer.Option(400, help="boosting rounds of the cargo head"),
) -> None:
    """Train the scan model on generated scans (easy, medium and hard in turn); write the CNN's weights, the
    cargo head and their held-out metrics to <data_dir>/models/scans (scannet.pt, cargo.cbm, scannet.json)."""
    from imaging.verdicts import scan_model

    settings = get_settings()
    scan_model(settings, n=images, epochs=epochs, iterations=iterations, retrain=True)
    typer.echo((settings.data_dir / "models" / "scans" / "scannet.json").read_text())


@app.command()
def certificate(file: Path, entry_no: str) -> None:
    """Read a certificate page (PNG, JPEG or PDF) for a declaration: fields, confidences, mismatches."""
    from graph.open import open_store
    from imaging.service import read_certificate

    settings = get_settings()
    with open_store(settings=settings) as store:
        typer.echo(
            json.dumps(read_certificate(store, settings, file.read_bytes(), entry_no), ensure_ascii=False)
        )


@app.command()
def scan(file: Path, entry_no: str) -> None:
    """Judge a scan (a .npy array of 512 × 1024 attenuation values) of a declaration."""
    import numpy as np

    from graph.open import open_store
    from imaging.verdicts import judge_scan

    settings = get_settings()
    with open_store(settings=settings) as store:
        typer.echo(json.dumps(judge_scan(store, settings, entry_no, np.load(file)), ensure_ascii=False))
