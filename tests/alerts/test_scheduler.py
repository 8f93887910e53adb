"""The scheduler keeps its jobs and their next run times in its persistent store across restarts."""

from __future__ import annotations

import time

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
