"""The API under load: entity lookup, 2-hop neighbourhood and search at 1, 8 and 32 concurrent clients,
served by ``tianji serve`` with N worker processes (one per core, or ``TIANJI_API_WORKERS``) and, in the
same run, with one; beside the same queries run directly on the store (the ratio shows what the API layer
costs) and the speedup from 1 to N workers at 32 clients. The clients run on the same cores as the server;
the load average before and after is part of the figures.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from algorithms.relations import Scope, expand
from api.auth import User, create_user, issue_jwt, open_users
from api.graphql.entities import search_nodes
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
REQUESTS = {1: 100, 8: 300, 32: 300}  # per query kind
STARTUP_S = 600  # workers importing the whole app on a loaded machine


def pct(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1], 1)


def _load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


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
        while self.log.read_text().count("Application startup complete") < workers:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the API did not start with {workers} workers:\n{self.log.read_text()}")
            time.sleep(0.5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.unlink(missing_ok=True)


def measure(url: str, token: str, kind: str, values: list[str], clients: int) -> dict[str, Any]:
    """``clients`` concurrent clients sending one ``kind`` request each at a time; latencies and rate."""
    query, var = QUERIES[kind]
    wanted = [values[i % len(values)] for i in range(REQUESTS[clients])]
    latencies: list[float] = []
    errors = 0

    async def run() -> float:
        nonlocal errors
        # idle connections dropped before the server's keep-alive (5 s) closes them under a request
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2)
        async with httpx.AsyncClient(
            base_url=url, timeout=120, limits=limits, headers={"Authorization": f"Bearer {token}"}
        ) as client:

            async def one(w: int) -> None:
                nonlocal errors
                for i in range(w, len(wanted), clients):
                    tick = time.perf_counter()
                    try:
                        response = await client.post(
                            "/graphql", json={"query": query, "variables": {var: wanted[i]}}
                        )
                        failed = response.status_code != 200 or bool(response.json().get("errors"))
                    except httpx.HTTPError:
                        failed = True
                    latencies.append((time.perf_counter() - tick) * 1000)
                    errors += failed

            body = {"query": query, "variables": {var: wanted[0]}}
            await asyncio.gather(
                *(client.post("/graphql", json=body) for _ in range(max(clients, 4)))
            )  # warm
            started = time.perf_counter()
            await asyncio.gather(*(one(w) for w in range(clients)))
            return time.perf_counter() - started

    elapsed = asyncio.run(run())
    return {
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
        "rps": round(len(latencies) / elapsed, 1),
        "errors": errors,
    }


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
    token = issue_jwt(settings, User("bench", "investigator", "GZ"))
    create_user(open_users(settings), "bench", "investigator", "GZ")
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
                    figures = measure(served.url, token, kind, names if kind == "search" else ids, clients)
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
