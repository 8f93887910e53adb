"""Serving the platform: the ASGI app (API, dashboards) under uvicorn, the scheduler beside it, URLs printed."""

from __future__ import annotations

import json
import subprocess
import sys

import uvicorn
from rich.console import Console

from tianji.core.settings import Settings


def serve(settings: Settings, *, with_scheduler: bool = False) -> None:
    from api.app import create_app

    app = create_app(settings)
    base = f"http://{settings.api_host}:{settings.api_port}"
    console = Console()
    scheduler = None
    if with_scheduler:  # the scheduled jobs run as their own process, sharing the graph server
        scheduler = subprocess.Popen([sys.executable, "-m", "tianji.cli.main", "jobs", "run"])
    console.print(
        f"[bold green]Tianji is up[/]\n  GraphQL    {base}/graphql  (GraphiQL in a browser once signed in)\n"
        f"  health     {base}/healthz"
    )
    for path, what in getattr(app.state, "extra_urls", []):
        console.print(f"  {what:<10} {base}{path}")
    tokens = settings.data_dir / "demo-tokens.json"
    if tokens.exists():
        demo = json.loads(tokens.read_text())["demo_investigator"]["api_key"]
        console.print(f"  demo token {tokens} (investigator: Authorization: Bearer {demo})")
    officers = settings.data_dir / "demo-officers.json"
    if settings.environment == "development" and officers.exists():
        console.print(f"  sign in at {base}/login as a demo officer (from {officers}):")
        for name, officer in json.loads(officers.read_text()).items():
            console.print(
                f"    {name:<22} {officer['password']:<18} {officer['role']}, unit {officer['unit']}"
            )
    if scheduler is not None:
        console.print("  scheduler  watch scans, alert delivery and digests (tianji jobs run)")
    try:
        uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_level="info")
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=30)
