"""Serving the platform: the ASGI app (API, dashboards) in several uvicorn worker processes on one socket.

The parent starts what the workers share, once: the embedded graph server (workers only connect to it,
``create_app(start_graph=False)``), the side databases' migrations (so that workers never race to
migrate), and the scheduler in a process of its own (``python -m tianji.serving scheduler``; its file
lock makes a second scheduler refuse to start). The workers get the parent's settings, with the worker
count resolved, through ``TIANJI_SERVE_SETTINGS``; each has its own pool of graph connections sized to
its share (``graph.falkor.pool_size``). Alerts reach a subscriber whichever worker holds its socket:
see ``alerts.live``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import uvicorn
from fastapi import FastAPI
from rich.console import Console

from tianji.core.settings import Settings, get_settings

SETTINGS_ENV = "TIANJI_SERVE_SETTINGS"
HEALTHCHECK_S = 60  # a worker importing the app on a busy machine answers late, yet is not hung


def worker_count(settings: Settings) -> int:
    return settings.api_workers or os.cpu_count() or 1


def worker_settings() -> Settings:
    """The settings the serving parent handed down, or the process's own."""
    text = os.environ.get(SETTINGS_ENV)
    return Settings(**json.loads(text)) if text else get_settings()


def worker_app() -> FastAPI:
    """One worker's app (uvicorn's factory): the graph server is the parent's, never started here."""
    from api.app import create_app

    return create_app(worker_settings(), start_graph=False)


def prepare_shared(settings: Settings) -> None:
    """Start the graph server, apply the schema (search indexes included) and give search tokens to the
    nodes written before there were any, and migrate the side databases, once, before any worker exists."""
    from graph.open import open_store
    from graph.search_index import backfill
    from tianji.core.db import SIDE_DATABASES, dispose_engines, side_engine

    with open_store(settings=settings) as store:
        store.apply_schema()
        backfill(store)
    for database in SIDE_DATABASES:
        side_engine(settings, database)
    dispose_engines()


def serve(settings: Settings, *, with_scheduler: bool = False, workers: int | None = None) -> None:
    count = workers or worker_count(settings)
    settings = settings.model_copy(update={"api_workers": count})
    prepare_shared(settings)
    base = f"http://{settings.api_host}:{settings.api_port}"
    console = Console()
    os.environ[SETTINGS_ENV] = settings.model_dump_json()  # read by the workers and the scheduler
    scheduler = None
    if with_scheduler:  # the scheduled jobs run as their own process, sharing the graph server
        scheduler = subprocess.Popen([sys.executable, "-m", "tianji.serving", "scheduler"])
    console.print(
        f"[bold green]Tianji is up[/] ({count} worker process{'es' if count > 1 else ''})\n"
        f"  GraphQL    {base}/graphql  (GraphiQL in a browser once signed in)\n"
        f"  health     {base}/healthz\n"
        f"  dashboards {base}/dash/\n"
        f"  sign in    {base}/login"
    )
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
        uvicorn.run(
            "tianji.serving:worker_app",
            factory=True,
            host=settings.api_host,
            port=settings.api_port,
            workers=count,
            log_level="info",
            access_log=False,  # a log line per request costs CPU on the request path; the audit log has them
            timeout_worker_healthcheck=HEALTHCHECK_S,
        )
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=30)
        os.environ.pop(SETTINGS_ENV, None)


def run_scheduler() -> int:
    """The scheduler process: the parent's settings, the channel check, then the jobs until stopped."""
    from alerts.channels import check_channels
    from alerts.scheduler import SchedulerRunning, run_service

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    settings = worker_settings()
    for name, state in check_channels(settings).items():
        level = "ok" if state["ok"] else ("OFF" if not state["configured"] else "PROBLEM")
        print(f"channel {name}: {level} — {state['detail']}", flush=True)
    try:
        run_service(settings)
    except SchedulerRunning as exc:
        print(f"scheduler not started: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__" and sys.argv[1:] == ["scheduler"]:
    sys.exit(run_scheduler())
