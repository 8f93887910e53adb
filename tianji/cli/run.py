"""Set up and run the whole platform on the embedded graph with the demo world."""

from __future__ import annotations

import typer

from tianji.bootstrap import prepare
from tianji.core.settings import get_settings


def command(
    redo: bool = typer.Option(False, help="run the analysis steps again even if they ran for this world"),
    prepare_only: bool = typer.Option(
        False, "--prepare-only", help="load and analyse, then exit without serving"
    ),
) -> None:
    """Start the graph, load the demo world if the graph is empty, run the analysis steps, then serve."""
    settings = get_settings()
    prepare(settings, redo=redo)
    if prepare_only:
        return
    from tianji.serving import serve

    serve(settings, with_scheduler=True)
