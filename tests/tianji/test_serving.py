"""`tianji serve --workers 2 --scheduler` against a fresh embedded graph: the parent starts the graph server
and one scheduler; an alert reaches its subscriber whichever worker holds the socket."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
import websockets

from alerts.outbox import Message, enqueue, open_outbox
from alerts.scheduler import SchedulerRunning, running_pid, start
from api.auth import User, create_user, issue_jwt, open_users
from graph.embedded import EmbeddedServer, free_port
from tianji.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
STARTUP_S = 300  # spawning workers that import the whole app on a shared, loaded machine


@dataclass
class Served:
    parent: psutil.Process
    url: str
    settings: Settings
    token: str
    log: Path


def _workers(parent: psutil.Process) -> list[psutil.Process]:
    return [p for p in parent.children() if "multiprocessing.spawn" in " ".join(p.cmdline())]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("served")
    port = free_port()
    env = {
        **os.environ,
        "TIANJI_ENV_FILE": str(base / "none.env"),
        "TIANJI_GRAPH_URI": f"embedded://{base / 'graph'}",
        "TIANJI_DATA_DIR": str(base / "data"),
        "TIANJI_API_PORT": str(port),
        "TIANJI_JOBS_SCAN_INTERVAL_S": "3600",
        "TIANJI_JOBS_DELIVERY_INTERVAL_S": "1",
    }
    settings = Settings(graph_uri=env["TIANJI_GRAPH_URI"], data_dir=base / "data", api_port=port)
    create_user(open_users(settings), "inv", "investigator", "GZ")
    log = open(base / "serve.log", "w")  # noqa: SIM115 - closed at teardown
    token = issue_jwt(settings, User("inv", "investigator", "GZ"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tianji.cli.main", "serve", "--workers", str(WORKERS), "--scheduler"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    served = Served(psutil.Process(proc.pid), f"http://127.0.0.1:{port}", settings, token, base / "serve.log")
    deadline = time.monotonic() + STARTUP_S
    try:
        while not _started(served) and time.monotonic() < deadline:
            assert proc.poll() is None, served.log.read_text()
            time.sleep(1)
        assert _started(served), served.log.read_text()
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()
        EmbeddedServer(base / "graph", settings).stop()


def _started(served: Served) -> bool:
    """Every worker has finished its start-up (uvicorn says so once per worker)."""
    return served.log.read_text().count("Application startup complete") >= WORKERS


def _socket_holder(served: Served, local_port: int) -> int | None:
    """The worker whose accepted connection has our client's port at its far end."""
    for worker in _workers(served.parent):
        for conn in worker.net_connections("tcp"):
            if (
                conn.raddr
                and conn.raddr.port == local_port
                and conn.laddr.port == int(served.url.rsplit(":", 1)[1])
            ):
                return worker.pid
    return None


def test_the_parent_starts_the_graph_server_and_exactly_one_scheduler(served: Served) -> None:
    graph = EmbeddedServer(Path(served.settings.graph_uri.removeprefix("embedded://")), served.settings)
    assert psutil.Process(graph.pid()).ppid() == served.parent.pid  # not a worker's
    schedulers = [p for p in served.parent.children(recursive=True) if "tianji.serving" in p.cmdline()]
    assert len(schedulers) == 1 and schedulers[0].ppid() == served.parent.pid
    assert running_pid(served.settings) == schedulers[0].pid  # it, not a worker, holds the jobs
    with pytest.raises(SchedulerRunning):
        start(served.settings)
    assert len(_workers(served.parent)) == WORKERS


def test_an_alert_reaches_a_subscriber_on_every_worker(served: Served) -> None:
    ws_url = served.url.replace("http", "ws") + "/graphql"
    init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {served.token}"}}

    async def run() -> dict[int, list[dict[str, Any]]]:
        sockets: dict[int, Any] = {}
        opened = []
        for _ in range(40):  # the kernel hands each connection to one worker: open until both hold one
            ws = await websockets.connect(ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
            opened.append(ws)
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            holder = _socket_holder(served, ws.local_address[1])
            if holder is not None and holder not in sockets:
                sockets[holder] = ws
                await ws.send(
                    json.dumps(
                        {"id": "1", "type": "subscribe", "payload": {"query": "subscription { alerts }"}}
                    )
                )
            if len(sockets) == WORKERS:
                break
        assert len(sockets) == WORKERS, "the connections never landed on both workers"
        await asyncio.sleep(2)  # the subscriptions are listening
        engine = open_outbox(served.settings)
        for n in range(3):  # what a scan does when it raises alerts: the scheduler delivers them
            body = json.dumps(
                {"alert": {"id": f"A{n}", "unit": "GZ", "title": f"告警{n}"}}, ensure_ascii=False
            )
            enqueue(engine, Message(f"A{n}", "inapp", "inv", f"告警{n}", body, f"A{n}:inapp:inv:3"))
        received = {}
        for pid, ws in sockets.items():
            messages = [json.loads(await asyncio.wait_for(ws.recv(), timeout=60)) for _ in range(3)]
            received[pid] = messages
        for ws in opened:
            await ws.close()
        return received

    received = asyncio.run(run())
    assert len(received) == WORKERS
    for messages in received.values():
        assert [m["type"] for m in messages] == ["next"] * 3
        assert [m["payload"]["data"]["alerts"]["alert"]["title"] for m in messages] == [
            "告警0",
            "告警1",
            "告警2",
        ]


def test_each_worker_listens_on_a_socket_of_its_own_and_new_connections_reach_both(served: Served) -> None:
    port = int(served.url.rsplit(":", 1)[1])
    listening = {
        worker.pid: [c for c in worker.net_connections("tcp") if c.status == psutil.CONN_LISTEN]
        for worker in _workers(served.parent)
    }
    assert all(len(socks) == 1 and socks[0].laddr.port == port for socks in listening.values()), listening
    parents = [c for c in served.parent.net_connections("tcp") if c.status == psutil.CONN_LISTEN]
    assert not [c for c in parents if c.laddr.port == port]  # none left in the parent, unaccepted
    clients = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(16)]
    try:
        time.sleep(1)
        holders = [_socket_holder(served, c.getsockname()[1]) for c in clients]
        # spread by a hash of each connection's addresses: all 16 on one worker has odds of 1 in 32,768
        assert set(holders) == {w.pid for w in _workers(served.parent)}, holders
    finally:
        for c in clients:
            c.close()


def test_a_port_another_listener_holds_is_refused_not_shared() -> None:
    from uvicorn import Config

    from tianji.serving import BalancedWorkers

    other = socket.socket()
    other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # joinable, were it not checked first
    other.bind(("127.0.0.1", 0))
    other.listen()
    port = other.getsockname()[1]
    try:
        with pytest.raises(SystemExit, match=f"cannot listen on 127.0.0.1:{port}"):
            BalancedWorkers(Config("tianji.serving:worker_app", host="127.0.0.1", port=port, workers=2))
    finally:
        other.close()


def test_workers_get_the_parents_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tianji.serving import SETTINGS_ENV, worker_settings

    given = Settings(
        data_dir=tmp_path,
        graph_name="g",
        api_workers=3,
        api_persisted_queries="allowlist",
        api_allowlist=tmp_path,
    )
    monkeypatch.setenv(SETTINGS_ENV, given.model_dump_json())
    monkeypatch.setenv("TIANJI_GRAPH_NAME", "not-this-one")
    assert worker_settings() == given


def test_requests_leave_no_line_each_in_the_log(served: Served) -> None:
    import httpx

    before = served.log.read_text()
    for _ in range(5):
        assert httpx.get(served.url + "/healthz", timeout=30).status_code == 200
        query = {"query": "{ me { name } }"}
        headers = {"Authorization": f"Bearer {served.token}"}
        assert httpx.post(served.url + "/graphql", json=query, headers=headers, timeout=30).status_code == 200
    time.sleep(1)
    added = served.log.read_text()[len(before) :]
    assert "/healthz" not in added and "/graphql" not in added and "HTTP/1.1" not in added, added
