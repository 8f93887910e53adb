"""The scheduler keeps its jobs and their next run times in its persistent store across restarts, and runs
every job with the settings it was started with."""

from __future__ import annotations

import datetime as dt
import threading
import time

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

from alerts.scheduler import job_definitions, start
from tianji.core.settings import Settings


def test_jobs_and_next_run_times_survive_a_restart(settings: Settings) -> None:
    config = settings.model_copy(update={"jobs_scan_interval_s": 3600, "jobs_delivery_interval_s": 3600})
    scheduler = start(config)
    first = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=True)
    time.sleep(1.2)
    again = start(config)
    try:
        jobs = {job.id: job for job in again.get_jobs()}
        assert set(jobs) == {d["id"] for d in job_definitions(config)}
        assert {
            job_id: job.next_run_time for job_id, job in jobs.items()
        } == first  # not reset by the restart
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time == config.jobs_misfire_grace_s
    finally:
        again.shutdown(wait=True)


def test_a_scheduled_job_runs_with_the_schedulers_settings(settings: Settings) -> None:
    config = settings.model_copy(update={"jobs_scan_interval_s": 3600, "jobs_delivery_interval_s": 3600})
    done: list[JobExecutionEvent] = []
    ran = threading.Event()
    scheduler = start(config)
    try:

        def seen(event: JobExecutionEvent) -> None:
            if event.job_id == "deliver":
                done.append(event)
                ran.set()

        scheduler.add_listener(seen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.modify_job("deliver", next_run_time=dt.datetime.now(dt.UTC))
        assert ran.wait(30), "the delivery job did not run"
        assert done[0].exception is None, done[0].traceback
        assert done[0].retval == {}  # an empty outbox of these settings: nothing was due
        stored = scheduler.get_job("deliver")
        assert stored.kwargs == {"settings": None}  # passed by the executor, never kept in the job store
    finally:
        scheduler.shutdown(wait=True)


def test_a_second_scheduler_on_the_same_data_refuses_to_start(settings: Settings) -> None:
    import os

    import pytest

    from alerts.scheduler import SchedulerRunning, running_pid

    config = settings.model_copy(update={"jobs_scan_interval_s": 3600, "jobs_delivery_interval_s": 3600})
    assert running_pid(config) is None
    scheduler = start(config)
    try:
        assert running_pid(config) == os.getpid()
        with pytest.raises(SchedulerRunning, match=f"pid {os.getpid()}"):
            start(config)
    finally:
        scheduler.shutdown(wait=True)
    assert running_pid(config) is None
    start(config).shutdown(wait=True)  # the lock went with the first one
