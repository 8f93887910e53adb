"""The API under load: entity lookup, 2-hop neighbourhood and search at 1, 8 and 32 concurrent clients,
served by ``tianji serve`` with N worker processes (one per core, or ``TIANJI_API_WORKERS``) and, in the
same run, with one; beside the same queries run directly on the store (the ratio shows what the API layer
costs) and the speedup from 1 to N workers at 32 clients. The clients run on the same cores as the server;
the load average before and after is part of the figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from algorithms.relations import Scope, expand
from algorithms.search import search_nodes
from api.auth import User, create_user, issue_jwt, open_users
from bench.common import bench_settings, scratch_store, world_dir
from graph.embedded import free_port
from graph.store import GraphStore
from ingest.loader import Loader
from tianji.core.settings import Settings
from tianji.serving import worker_count

QUERIES = {
    "lookup": ('query($id: ID!) { node(label: "Enterprise", id: $id) { id caption } }', "id"),
    "hop2": (
        'query($id: ID!) { neighbourhood(label: "Enterprise", id: $id, depth: 2, maxNodes: 200) { truncated '
        "nodes { id } } }",
        "id",
    ),
    "search": ("query($t: String!) { search(text: $t, first: 10) { edges { node { id } } } }", "t"),
}
CLIENTS = (1, 8, 32)
REQUESTS = {1: 200, 8: 1000, 32: 3000}  # per query kind: a p99 of 3,000 is its 30 slowest, not its 3
STARTUP_S = 600  # workers importing the whole app on a loaded machine


def pct(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1], 1)


def _load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class Served:
    """``tianji serve --workers N`` in a process of its own, on the benchmark's graph and a free port."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.workers, self.port = workers, free_port()
        self.log = Path(tempfile.mkstemp(prefix="bench-api-", suffix=".log")[1])
        env = {
            **os.environ,
            "TIANJI_GRAPH_URI": settings.graph_uri,
            "TIANJI_GRAPH_NAME": settings.graph_name,
            "TIANJI_DATA_DIR": str(settings.data_dir),
            "TIANJI_API_PORT": str(self.port),
        }
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tianji.cli.main", "serve", "--workers", str(workers)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_S
        # every worker started its app, and the port takes connections (one worker binds it only after)
        while self.log.read_text().count("Application startup complete") < workers or not _listening(
            self.port
        ):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the API did not start with {workers} workers:\n{self.log.read_text()}")
            time.sleep(0.5)

    def split(self) -> list[int]:
        """Client connections held by each worker process, most first (the kernel hands a new connection
        to whichever worker accepts first; a kept-alive connection stays with it)."""
        held = []
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                mine = child.net_connections(kind="tcp")
            except psutil.Error:
                continue
            count = sum(1 for c in mine if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == self.port)
            if count:
                held.append(count)
        return sorted(held, reverse=True)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.unlink(missing_ok=True)


async def _post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bool:
    """One request on a kept-alive connection; whether it answered 200 without GraphQL errors."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    body = await reader.readexactly(length)
    return head.startswith(b"HTTP/1.1 200") and not body.startswith(b'{"errors"') and b'"errors":' not in body


def _request(port: int, token: str, query: str, variables: dict[str, Any]) -> bytes:
    body = json.dumps({"query": query, "variables": variables}).encode()
    return (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def measure(
    port: int,
    tokens: list[str],
    kind: str,
    values: list[str],
    clients: int,
    split: Callable[[], list[int]] | None = None,
) -> dict[str, Any]:
    """``clients`` concurrent clients (each its own user and kept-alive connection) sending one ``kind``
    request at a time. The client is a few lines of asyncio, so that it takes little of the CPU it measures.
    ``split``: how the warm connections are spread over the workers, read before the clients start."""
    query, var = QUERIES[kind]
    wanted = [values[i % len(values)] for i in range(REQUESTS[clients])]
    latencies: list[float] = []
    errors = 0
    spread: list[int] = []

    async def one(w: int, warm: asyncio.Queue[int | BaseException], go: asyncio.Event) -> None:
        nonlocal errors
        token = tokens[w % len(tokens)]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError as exc:  # told to the run, which would otherwise wait for this client forever
            warm.put_nowait(exc)
            return
        try:
            try:
                await _post(reader, writer, _request(port, token, query, {var: wanted[w]}))  # warm it
            except (OSError, asyncio.IncompleteReadError) as exc:
                warm.put_nowait(exc)
                return
            warm.put_nowait(w)
            await go.wait()
            for i in range(w, len(wanted), clients):
                request = _request(port, token, query, {var: wanted[i]})
                tick = time.perf_counter()
                try:
                    failed = not await _post(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError):
                    failed = True
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                latencies.append((time.perf_counter() - tick) * 1000)
                errors += failed
        finally:
            writer.close()

    async def run() -> float:
        warm: asyncio.Queue[int | BaseException] = asyncio.Queue()
        go = asyncio.Event()
        tasks = [asyncio.create_task(one(w, warm, go)) for w in range(clients)]
        for _ in range(clients):
            ready = await warm.get()
            if isinstance(ready, BaseException):
                for task in tasks:
                    task.cancel()
                raise RuntimeError(f"a {kind} client could not warm its connection: {ready!r}") from ready
        if split is not None:
            spread.extend(split())
        started = time.perf_counter()
        go.set()
        await asyncio.gather(*tasks)
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    return {
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
        "rps": round(len(latencies) / elapsed, 1),
        "errors": errors,
    } | ({"connections_per_worker": spread} if split is not None else {})


def direct(store: GraphStore, ids: list[str], names: list[str]) -> dict[str, float]:
    """The same three queries straight on the store: median milliseconds."""
    searchable = store.ontology.searchable_labels()
    calls = {
        "lookup": (ids, lambda i: store.query("MATCH (n:Enterprise {id: $id}) RETURN n", {"id": i})),
        "hop2": (ids, lambda i: expand(store, [("Enterprise", i)], Scope(depth=2, max_nodes=200), unit="GZ")),
        "search": (names, lambda t: search_nodes(store, t, searchable, "GZ", 11)),
    }
    found = {}
    for kind, (values, call) in calls.items():
        timings = []
        for value in values[:100]:
            tick = time.perf_counter()
            call(value)
            timings.append((time.perf_counter() - tick) * 1000)
        found[f"{kind}_direct_p50_ms"] = round(statistics.median(timings), 2)
    return found


def run(scale: str = "medium") -> dict[str, Any]:
    settings = bench_settings("bench_api")
    store = scratch_store("bench_api")
    if store.count("Declaration") == 0:
        Loader(store, settings, progress=True).load_dir(world_dir(scale))
    ids = [r["id"] for r in store.query("MATCH (e:Enterprise) RETURN e.id AS id ORDER BY id LIMIT 300")]
    names = [
        r["n"][:4] for r in store.query("MATCH (e:Enterprise) RETURN e.name AS n ORDER BY e.id LIMIT 300")
    ]
    users = open_users(settings)  # one investigator per client: a user may run only a few operations at once
    tokens = []
    for n in range(max(CLIENTS)):
        create_user(users, f"bench{n}", "investigator", "GZ")
        tokens.append(issue_jwt(settings, User(f"bench{n}", "investigator", "GZ")))
    workers = worker_count(settings)
    results: dict[str, Any] = {
        "benchmark": "api",
        "scale": scale,
        "workers": workers,
        "cores": os.cpu_count(),
    }
    results["load_average_before"] = _load_average()
    errors = 0
    runs: dict[int, dict[str, dict[str, Any]]] = {}
    for count in dict.fromkeys((workers, 1)):  # N first, then 1 (once when N is 1)
        served = Served(settings, count)
        try:
            for clients in CLIENTS if count == workers else (32,):
                for kind in QUERIES:
                    values = names if kind == "search" else ids
                    figures = measure(served.port, tokens, kind, values, clients, served.split)
                    errors += figures.pop("errors")
                    runs.setdefault(count, {})[f"{kind}_c{clients}"] = figures
        finally:
            served.stop()
    for key, figures in runs[workers].items():
        for name, value in figures.items():
            results[f"{key}_{name}"] = value
    for kind in QUERIES:  # the headline figures: 32 clients on N workers, as before
        for name in ("p50_ms", "p99_ms", "rps"):
            results[f"{kind}_{name}"] = runs[workers][f"{kind}_c32"][name]
        results[f"{kind}_w1_c32_rps"] = runs[1][f"{kind}_c32"]["rps"]
        results[f"{kind}_speedup_1_to_{workers}"] = round(
            runs[workers][f"{kind}_c32"]["rps"] / max(runs[1][f"{kind}_c32"]["rps"], 0.01), 2
        )
    results.update(direct(store, ids, names))
    for kind in QUERIES:
        results[f"{kind}_ratio_to_direct"] = round(
            results[f"{kind}_p50_ms"] / max(results[f"{kind}_direct_p50_ms"], 0.01), 1
        )
    results["errors"] = errors
    results["load_average_after"] = _load_average()
    store.clear()  # a scratch graph: leave nothing for the server to reload at its next start
    store.close()
    return results
