"""The API under load: 32 concurrent clients on entity lookup, 2-hop neighbourhood and search, against the
same queries run directly on the store (the ratio shows what the API layer costs)."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from api.auth import User, create_user, issue_jwt, open_users
from bench.common import bench_settings, scratch_store, world_dir
from graph.embedded import free_port
from graph.open import open_store
from ingest.loader import Loader

QUERIES = {
    "lookup": ('query($id: ID!) { node(label: "Enterprise", id: $id) { id caption } }', "id"),
    "hop2": (
        'query($id: ID!) { neighbourhood(label: "Enterprise", id: $id, depth: 2, maxNodes: 200) { truncated '
        "nodes { id } } }",
        "id",
    ),
    "search": ("query($t: String!) { search(text: $t, first: 10) { edges { node { id } } } }", "t"),
}


def pct(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1], 1)


def run(scale: str = "medium") -> dict[str, Any]:
    world = world_dir(scale)
    store = scratch_store("bench_api")
    port = free_port()
    settings = bench_settings("bench_api").model_copy(update={"api_port": port})
    if store.count("Declaration") == 0:
        Loader(store, settings, progress=True).load_dir(world)
    ids = [r["id"] for r in store.query("MATCH (e:Enterprise) RETURN e.id AS id ORDER BY id LIMIT 300")]
    names = [
        r["n"][:4] for r in store.query("MATCH (e:Enterprise) RETURN e.name AS n ORDER BY e.id LIMIT 300")
    ]
    token = issue_jwt(settings, User("bench", "investigator", "GZ"))
    create_user(open_users(settings), "bench", "investigator", "GZ")
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    results: dict[str, Any] = {"benchmark": "api", "scale": scale, "clients": 32}
    errors = 0

    async def load(kind: str) -> list[float]:
        nonlocal errors
        query, var = QUERIES[kind]
        values = names if kind == "search" else ids
        latencies: list[float] = []
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as client:

            async def worker(w: int) -> None:
                nonlocal errors
                for i in range(w, len(values), 32):
                    tick = time.perf_counter()
                    response = await client.post(
                        "/graphql", json={"query": query, "variables": {var: values[i]}}
                    )
                    latencies.append((time.perf_counter() - tick) * 1000)
                    if response.status_code != 200 or response.json().get("errors"):
                        errors += 1

            started = time.perf_counter()
            await asyncio.gather(*(worker(w) for w in range(32)))
            results[f"{kind}_rps"] = round(len(values) / (time.perf_counter() - started), 1)
        return latencies

    direct = open_store(settings=settings)
    for kind in QUERIES:
        latencies = asyncio.run(load(kind))
        results[f"{kind}_p50_ms"], results[f"{kind}_p99_ms"] = pct(latencies, 50), pct(latencies, 99)
    from algorithms.relations import Scope, expand

    timings = []
    for i in ids[:100]:
        tick = time.perf_counter()
        direct.query("MATCH (n:Enterprise {id: $id}) RETURN n", {"id": i})
        timings.append((time.perf_counter() - tick) * 1000)
    results["lookup_direct_p50_ms"] = round(statistics.median(timings), 2)
    timings = []
    for i in ids[:100]:
        tick = time.perf_counter()
        expand(direct, [("Enterprise", i)], Scope(depth=2, max_nodes=200), unit="GZ")
        timings.append((time.perf_counter() - tick) * 1000)
    results["hop2_direct_p50_ms"] = round(statistics.median(timings), 2)
    results["lookup_ratio_to_direct"] = round(
        results["lookup_p50_ms"] / max(results["lookup_direct_p50_ms"], 0.01), 1
    )
    results["hop2_ratio_to_direct"] = round(
        results["hop2_p50_ms"] / max(results["hop2_direct_p50_ms"], 0.01), 1
    )
    results["errors"] = errors
    server.should_exit = True
    thread.join(timeout=10)
    store.clear()  # a scratch graph: leave nothing for the server to reload at its next start
    store.close()
    direct.close()
    return results
