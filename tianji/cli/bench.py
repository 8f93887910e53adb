"""Benchmarks: ``tianji bench NAME`` runs ``bench/NAME.py`` and prints one JSON object on its last line.
``--source`` and ``--mappings`` go to a benchmark whose ``run`` takes them (``tianji bench scoring --source
DIR --mappings M``: another administration's export loaded by its mappings)."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil

import typer

import bench


def command(
    name: str = typer.Argument(..., help="benchmark name (a module of bench/)"),
    scale: str = typer.Option("medium", help="world scale: small, medium or large"),
    source: str | None = typer.Option(None, help="a folder of source files, for benchmarks that load one"),
    mappings: str | None = typer.Option(None, help="the folder of mapping files for --source"),
) -> None:
    """Run a benchmark; its last output line is one JSON object of measured figures."""
    known = sorted(i.name for i in pkgutil.iter_modules(bench.__path__) if not i.name.startswith("_"))
    if name not in known:
        raise typer.BadParameter(f"unknown benchmark {name!r}; known: {', '.join(known)}")
    module = importlib.import_module(f"bench.{name}")
    extra = {k: v for k, v in {"source": source, "mappings": mappings}.items() if v is not None}
    accepted = inspect.signature(module.run).parameters
    refused = [f"--{k}" for k in extra if k not in accepted]
    if refused:
        raise typer.BadParameter(f"benchmark {name!r} does not take {', '.join(refused)}")
    result = module.run(scale=scale, **extra)
    typer.echo(json.dumps(result, ensure_ascii=False))
