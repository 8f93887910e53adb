"""Serve the API (and dashboards, when present) over HTTP."""

from __future__ import annotations

import typer

from tianji.core.settings import get_settings


def command(
    workers: int = typer.Option(0, help="worker processes; 0: TIANJI_API_WORKERS (default one per core)"),
    scheduler: bool = typer.Option(False, "--scheduler", help="run the scheduled jobs beside the server"),
) -> None:
    """Serve the GraphQL API, health endpoints and dashboards on TIANJI_API_HOST:TIANJI_API_PORT."""
    from tianji.serving import serve

    serve(get_settings(), with_scheduler=scheduler, workers=workers or None)
