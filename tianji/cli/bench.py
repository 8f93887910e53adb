"""Benchmarks: ``tianji bench NAME`` runs ``bench/NAME.py`` and prints one JSON object on its last line."""

from __future__ import annotations

import importlib
import json
import pkgutil

import typer

import bench


def command(
    name: str = typer.Argument(..., help="benchmark name (a module of bench/)"),
    scale: str = typer.Option("medium", help="world scale: small, medium or large"),
) -> None:
    """Run a benchmark; its last output line is one JSON object of measured figures."""
    known = sorted(i.name for i in pkgutil.iter_modules(bench.__path__) if not i.name.startswith("_"))
    if name not in known:
        raise typer.BadParameter(f"unknown benchmark {name!r}; known: {', '.join(known)}")
    module = importlib.import_module(f"bench.{name}")
    result = module.run(scale=scale)
    typer.echo(json.dumps(result, ensure_ascii=False))
