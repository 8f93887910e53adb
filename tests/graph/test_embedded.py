"""The embedded server: reuse, persistence across stop/start, and no lost acknowledged write on kill -9."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import redis

from graph.embedded import EmbeddedServer
from graph.falkor import FalkorStore
from graph.open import open_store
from graph.store import GraphStore
from tests.ingest.builders import tiny_world, uscc
from tianji.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _settings(directory: Path, **extra: object) -> Settings:
    return Settings(graph_uri=f"embedded://{directory}", data_dir=directory.parent / "var", **extra)  # type: ignore[arg-type]


def test_start_reuses_the_running_server_and_stop_is_clean(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "g")
    server = EmbeddedServer(tmp_path / "g", settings)
    port = server.start()
    try:
        again = EmbeddedServer(tmp_path / "g", settings)
        assert again.start() == port
        assert again.pid() == server.pid()
        assert again.status()["running"] is True
    finally:
        assert server.stop() is True
    assert server.status()["running"] is False
    assert server.stop() is False


def test_data_survives_stop_and_start(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "g")
    with open_store(settings=settings) as store:
        store.apply_schema()
        store.merge_nodes(
            "Enterprise", [{"id": f"E{i}", "uscc": uscc(i), "name": f"n{i}"} for i in range(500)]
        )
        store.server.stop()  # type: ignore[attr-defined]
    with open_store(settings=settings) as store:
        try:
            assert store.count("Enterprise") == 500
        finally:
            store.server.stop()  # type: ignore[attr-defined]


def test_replay_is_not_cut_short_by_the_query_timeout(tmp_path: Path) -> None:
    """A write acknowledged under a generous timeout is replayed whole after a restart with a tight one;
    the tight one applies again once the server has loaded."""
    with open_store(settings=_settings(tmp_path / "g")) as store:
        store.query("UNWIND range(1, 300000) AS i CREATE (:Enterprise {id: 'E' + toString(i), n: i})")
        store.server.stop()  # type: ignore[attr-defined]
    tight = _settings(tmp_path / "g", graph_timeout_ms=1, graph_timeout_max_ms=1000)
    with open_store(settings=tight) as store:
        try:
            assert store.count("Enterprise") == 300_000
            client = redis.Redis(port=store.server.port)  # type: ignore[attr-defined]
            assert client.execute_command("GRAPH.CONFIG", "GET", "TIMEOUT_DEFAULT")[1] == 1
            assert client.execute_command("GRAPH.CONFIG", "GET", "TIMEOUT_MAX")[1] == 1000
            client.close()
        finally:
            store.server.stop()  # type: ignore[attr-defined]


def test_kill_9_during_ingest_loses_no_acknowledged_batch(tmp_path: Path) -> None:
    world = tmp_path / "world"
    tiny_world(world, declarations=30_000)
    graph_dir = tmp_path / "g"
    settings = _settings(graph_dir)
    server = EmbeddedServer(graph_dir, settings)
    server.start()
    env = {
        **os.environ,
        "TIANJI_GRAPH_URI": f"embedded://{graph_dir}",
        "TIANJI_DATA_DIR": str(tmp_path / "var"),
        "TIANJI_GRAPH_BATCH_SIZE": "500",
        "PYTHONPATH": str(ROOT),
    }
    loader = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tianji.cli.main",
            "ingest",
            str(world),
            "--chunk-rows",
            "1000",
            "--no-progress",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    journal = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until some declaration batches are acknowledged
        found = list((tmp_path / "var" / "ingest").glob("*/journal.jsonl"))
        if found and '"declarations.csv"' in found[0].read_text():
            lines = [json.loads(x) for x in found[0].read_text().splitlines()]
            if sum(1 for x in lines if x["source"] == "declarations.csv") >= 3:
                journal = found[0]
                break
        time.sleep(0.05)
    assert journal is not None, loader.communicate()[0].decode()
    server.kill()
    loader.wait(timeout=120)
    assert loader.returncode != 0  # the loader saw the crash and stopped with an error
    acknowledged = max(
        x["through_line"]
        for x in map(json.loads, journal.read_text().splitlines())
        if x["source"] == "declarations.csv"
    )
    server.start()
    with open_store(settings=settings) as store:
        present = store.query(
            "MATCH (d:Declaration) WHERE d.source_line <= $line RETURN count(d) AS c", {"line": acknowledged}
        )[0]["c"]
        assert (
            present == acknowledged - 1
        )  # every row up to the last acknowledged line (line 1 is the header)
        rerun = subprocess.run(
            [sys.executable, "-m", "tianji.cli.main", "ingest", str(world), "--no-progress"],
            env=env,
            capture_output=True,
            cwd=tmp_path,
            timeout=600,
        )
        assert rerun.returncode == 0, rerun.stdout.decode() + rerun.stderr.decode()
        assert store.count("Declaration") == 30_000
        dupes = store.query(
            "MATCH (d:Declaration) WITH d.id AS id, count(*) AS c WHERE c > 1 RETURN count(id) AS n"
        )
        assert dupes[0]["n"] == 0
        assert store.query("MATCH ()-[r:CONSIGNEE]->() RETURN count(r) AS c")[0]["c"] == 30_000
    server.stop()


def test_a_reply_is_awaited_as_long_as_the_longest_query_may_run(store: GraphStore) -> None:
    """redis' own default reply timeout (5 s) cut off long analyses as "unreachable"; a connection waits
    for as long as the longest query timeout any caller may ask for."""
    assert isinstance(store, FalkorStore)
    connection = store.pool.make_connection()
    try:
        waits = getattr(connection, "socket_timeout", None)
        assert waits is not None and waits > store.settings.graph_timeout_max_ms / 1000
    finally:
        connection.disconnect()
