"""Scheduled jobs: run the scheduler as a service, run one job now, list jobs, check delivery channels."""

from __future__ import annotations

import json
import logging

import typer

from tianji.core.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def run() -> None:
    """Run the scheduler (watch scans, delivery, daily digest) until stopped; jobs persist across restarts."""
    from alerts.channels import check_channels
    from alerts.scheduler import run_service

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    settings = get_settings()
    for name, state in check_channels(settings).items():
        level = "ok" if state["ok"] else ("OFF" if not state["configured"] else "PROBLEM")
        typer.echo(f"channel {name}: {level} — {state['detail']}")
    run_service(settings)


@app.command()
def once(
    job: str = typer.Argument(
        ..., help="a job id of `tianji jobs list`, e.g. scan_watches, deliver, rescore"
    ),
) -> None:
    """Run one job now, in this process, and print what it did."""
    from alerts.jobs import JOBS

    if job not in JOBS:
        raise typer.BadParameter(f"unknown job {job!r}; known: {', '.join(JOBS)}")
    typer.echo(json.dumps(JOBS[job](get_settings()), default=str))


@app.command()
def check() -> None:
    """Report whether each delivery channel is configured and reachable (exit 1 if a configured one is not)."""
    from alerts.channels import check_channels

    report = check_channels(get_settings())
    typer.echo(json.dumps(report, indent=2))
    if any(state["configured"] and not state["ok"] for state in report.values()):
        raise typer.Exit(1)


@app.command("list")
def list_jobs() -> None:
    """The jobs in the persistent store with their next run times."""
    from alerts.scheduler import job_store

    store = job_store(get_settings())
    store.start(None, "default")
    for job in store.get_all_jobs():
        typer.echo(f"{job.id:<14} next {job.next_run_time}  {job.name}")
