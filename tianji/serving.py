"""Serving the platform: the ASGI app (API, dashboards) in several uvicorn worker processes on one port.

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
import socket
import subprocess
import sys

import uvicorn
from fastapi import FastAPI
from rich.console import Console
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

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
    config = uvicorn.Config(
        "tianji.serving:worker_app",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        workers=count,
        log_level="info",
        access_log=False,  # a log line per request costs CPU on the request path; the audit log has them
        timeout_worker_healthcheck=HEALTHCHECK_S,
    )
    try:
        if count > 1:
            BalancedWorkers(config).run()
        else:
            server = uvicorn.Server(config)
            server.run()
            if not server.started:  # it could not start (the port is taken, the app failed): say so
                raise SystemExit(STARTUP_FAILURE)
    except KeyboardInterrupt:
        pass
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=30)
        os.environ.pop(SETTINGS_ENV, None)


class BalancedWorkers(Multiprocess):
    """uvicorn's supervisor (health checks, restarts, signals), with a listening socket of each worker's own
    on the one port (``SO_REUSEPORT``): the kernel spreads new connections over the workers by a hash of
    their addresses. With one shared socket, whichever worker wakes first takes the connection, and a kept-
    alive connection stays where it landed: measured, 8 clients all on one of two workers and 32 split
    21/11, the busier worker's queue setting the tail. Linux lets only a process of the same user join
    the port. A worker's socket is handed to it when it starts and closed here after, so a worker that
    dies takes its socket with it and no connection waits on a socket nobody accepts from."""

    def __init__(self, config: uvicorn.Config) -> None:
        self._handed: list[socket.socket] = []
        # a listener already on the port (another platform left running, say) would otherwise be joined,
        # not refused, and would take its share of the connections: a plain bind finds it first
        probe = socket.socket(socket.AF_INET6 if ":" in config.host else socket.AF_INET, socket.SOCK_STREAM)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((config.host, config.port))
        except OSError as exc:
            raise SystemExit(f"cannot listen on {config.host}:{config.port}: {exc}") from None
        finally:
            probe.close()
        super().__init__(config, sockets=[])
        logging.getLogger("uvicorn.error").info(
            "Uvicorn running on http://%s:%d, a socket per worker (%d workers)",
            config.host,
            config.port,
            config.workers,
        )

    @property
    def sockets(self) -> list[socket.socket]:
        """A new listening socket, for the worker about to start (uvicorn asks once per worker)."""
        self._close_handed()
        sock = reuse_port_socket(self.config.host, self.config.port)
        self._handed.append(sock)
        return [sock]

    @sockets.setter
    def sockets(self, _value: list[socket.socket]) -> None:
        pass  # uvicorn's own __init__ sets the shared socket list: each worker gets its own instead

    def keep_subprocess_alive(self) -> None:
        self._close_handed()
        super().keep_subprocess_alive()

    def _close_handed(self) -> None:
        # uvicorn starts each worker as soon as it has its socket, and starting it hands the worker a
        # duplicate of it (multiprocessing's resource sharer): by the next ask, the parent's copy can go
        for sock in self._handed:
            sock.close()
        self._handed = []


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT`` (every worker binds one), not listening yet:
    the worker listens when it starts serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"cannot listen on {host}:{port}: {exc}") from None
    sock.set_inheritable(True)
    return sock


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
