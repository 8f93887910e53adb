"""Serving the platform: the ASGI app (API, dashboards) under uvicorn, with the URLs printed."""

from __future__ import annotations

import uvicorn
from rich.console import Console

from tianji.settings import Settings


def serve(settings: Settings) -> None:
    from api.app import create_app

    app = create_app(settings)
    base = f"http://{settings.api_host}:{settings.api_port}"
    console = Console()
    console.print(f"[bold green]Tianji is up[/]\n  GraphQL   {base}/graphql\n  health    {base}/healthz")
    for path, what in getattr(app.state, "extra_urls", []):
        console.print(f"  {what:<9} {base}{path}")
    uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_level="info")
