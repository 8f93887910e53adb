"""The scheduler: APScheduler with a persistent job store, so jobs and next run times survive restarts.

Defaults chosen after a measured fault (DESIGN.md): ``coalesce=True`` (a job that missed several runs
runs once), ``max_instances=1`` (never two scans at once), and an explicit ``misfire_grace_time``
(``TIANJI_JOBS_MISFIRE_GRACE_S``): a run missed by less than that still happens after a restart,
an older one is skipped. Jobs already in the store keep their next run time; only missing ones are added.

The store keeps which function a job runs and when, never its settings (they hold secrets and change
between restarts): the executor calls every job with the settings the scheduler was started with.
"""

from __future__ import annotations

import fcntl
import os
import signal
import threading
from pathlib import Path
from typing import Any, TextIO

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tianji.core.db import JOBS_FILE, url_engine
from tianji.core.settings import Settings


class _WithSettings:
    """A stored job as the executor runs it: its function called with the scheduler's settings."""

    def __init__(self, job: Job, settings: Settings) -> None:
        self._job = job
        self.kwargs = {**job.kwargs, "settings": settings}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


class SettingsExecutor(ThreadPoolExecutor):
    """A thread pool that passes ``settings`` to every job it runs (APScheduler's executor extension point)."""

    def __init__(self, settings: Settings, max_workers: int = 2) -> None:
        super().__init__(max_workers)
        self.settings = settings

    def _do_submit_job(self, job: Job, run_times: list[Any]) -> None:
        super()._do_submit_job(_WithSettings(job, self.settings), run_times)


def job_store_url(settings: Settings) -> str:
    return settings.jobs_store or f"sqlite:///{settings.path(JOBS_FILE)}"


def job_store(settings: Settings) -> SQLAlchemyJobStore:
    """The persistent job store on the process's shared engine (APScheduler keeps its own table)."""
    return SQLAlchemyJobStore(engine=url_engine(job_store_url(settings)))


def job_definitions(settings: Settings) -> list[dict[str, Any]]:
    every = settings.jobs_scan_interval_s
    jobs = [
        ("scan_watches", "watch scan", IntervalTrigger(seconds=every)),
        ("high_risk_prompts", "high-risk prompts", IntervalTrigger(seconds=every)),
        ("drift_scan", "drift scan", IntervalTrigger(seconds=every * 10)),
        ("resolve_new", "incremental entity resolution", IntervalTrigger(seconds=every * 5)),
        ("retag", "incremental tagging", IntervalTrigger(seconds=every * 5)),
        ("track_checks", "fence and companion checks", IntervalTrigger(seconds=every * 5)),
        ("rescore", "re-scoring of new declarations", IntervalTrigger(seconds=every * 5)),
        ("deliver", "alert delivery", IntervalTrigger(seconds=settings.jobs_delivery_interval_s)),
        ("daily_digest", "daily digest", CronTrigger(hour=settings.jobs_digest_hour, minute=0)),
        (
            "score_monitor",
            "score-distribution monitor",
            CronTrigger(hour=settings.jobs_digest_hour, minute=30),
        ),
    ]
    return [
        # ``settings`` is stored as a placeholder (APScheduler checks that every argument is supplied);
        # the executor passes the real one
        {
            "id": job,
            "func": f"alerts.jobs:{job}",
            "kwargs": {"settings": None},
            "name": name,
            "trigger": trigger,
        }
        for job, name, trigger in jobs
    ]


class SchedulerRunning(RuntimeError):
    """Another process already runs the scheduler on this data directory."""


def lock_file(settings: Settings) -> Path:
    return settings.path("scheduler.lock")


def _take_lock(settings: Settings) -> TextIO:
    """The scheduler's lock on its data directory, held for as long as it runs; the file names its pid."""
    handle = open(lock_file(settings), "a+")  # noqa: SIM115 - held open until the scheduler shuts down
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise SchedulerRunning(
            f"the scheduler already runs for {settings.data_dir} (pid {holder}); one process runs the jobs"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def running_pid(settings: Settings) -> int | None:
    """The pid of the process running the scheduler for this data directory, or None."""
    with open(lock_file(settings), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            text = handle.read().strip()
            return int(text) if text.isdigit() else None
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def start(settings: Settings) -> BackgroundScheduler:
    """Start the scheduler with its persistent store; add the jobs that are not there yet.

    Exactly one scheduler runs per data directory (a file lock, released at shutdown): a second one,
    in any process, raises ``SchedulerRunning`` instead of running every job twice."""
    lock = _take_lock(settings)
    try:
        scheduler = BackgroundScheduler(
            jobstores={"default": job_store(settings)},
            executors={"default": SettingsExecutor(settings, 2)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": settings.jobs_misfire_grace_s,
            },
            timezone="UTC",
        )
        scheduler.add_listener(lambda _: lock.close(), EVENT_SCHEDULER_SHUTDOWN)
        scheduler.start(paused=True)
        for job in job_definitions(settings):
            if scheduler.get_job(job["id"]) is None:
                scheduler.add_job(
                    job["func"], job["trigger"], kwargs=job["kwargs"], id=job["id"], name=job["name"]
                )
        scheduler.resume()
    except BaseException:
        lock.close()
        raise
    return scheduler


def run_service(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then shut down after the running jobs finish."""
    scheduler = start(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    scheduler.shutdown(wait=True)
