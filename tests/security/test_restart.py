"""Restart after a crash: the log replays fast, start waits for a loading or busy server and never kills
it, and after ``kill -9`` in the middle of an ingest the graph answers and a re-ingest equals a clean load."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis

from graph.embedded import EmbeddedServer
from graph.open import open_store
from tests.ingest.builders import tiny_world
from tianji.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _settings(directory: Path, **extra: object) -> Settings:
    return Settings(graph_uri=f"embedded://{directory}", data_dir=directory.parent / "var", **extra)  # type: ignore[arg-type]


def _aof(directory: Path) -> dict[str, int]:
    return {f.name: f.stat().st_size for f in (directory / "aof").iterdir()}


def test_replay_of_bulk_merges_is_not_slower_than_writing_them(tmp_path: Path) -> None:
    """Batched MERGEs on indexed ids replayed as Cypher ran without their indexes (label scans): 20 000
    nodes and relationships written in seconds took more than ten minutes to replay."""
    settings = _settings(tmp_path / "g")
    rows = [{"id": f"E{i:05d}", "name": f"n{i}"} for i in range(20_000)]
    pairs = [{"start": f"E{i:05d}", "end": f"E{(i * 7919) % 20_000:05d}"} for i in range(20_000)]
    with open_store(settings=settings) as store:
        store.apply_schema()
        started = time.monotonic()
        store.merge_nodes("Enterprise", rows)
        store.merge_relationships("TRADES_WITH", "Enterprise", "Enterprise", pairs)
        written = time.monotonic() - started
        store.server.kill()  # type: ignore[attr-defined]
    server = EmbeddedServer(tmp_path / "g", settings)
    started = time.monotonic()
    server.start(timeout_s=60)
    replayed = time.monotonic() - started
    try:
        with open_store(settings=settings) as store:
            assert store.count("Enterprise") == 20_000
            assert store.stats()["types"]["TRADES_WITH"] == 20_000
        assert replayed < max(10.0, 3 * written), (written, replayed)
    finally:
        server.stop()


def test_start_waits_for_a_busy_server_and_never_kills_it(tmp_path: Path) -> None:
    """A server that accepts connections but does not answer (inside one long replayed command) is alive:
    start waits for it instead of killing it or launching a second server on the same files."""
    settings = _settings(tmp_path / "g")
    server = EmbeddedServer(tmp_path / "g", settings)
    server.start()
    pid = server.pid()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # connections are accepted by the kernel, nothing answers
    resume = threading.Timer(6.0, os.kill, (pid, signal.SIGCONT))
    resume.start()
    try:
        started = time.monotonic()
        again = EmbeddedServer(tmp_path / "g", settings)
        assert again.start(timeout_s=2, progress=None) == server.port
        assert time.monotonic() - started >= 5.0
        assert again.pid() == pid
    finally:
        resume.join()
        os.kill(pid, signal.SIGCONT)
        server.stop()


def test_status_shows_a_loading_server_as_running_and_loading(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "g")
    server = EmbeddedServer(tmp_path / "g", settings)
    server.start()
    try:
        assert server.status()["running"] is True and server.status()["loading"] is False
        pid = server.pid()
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        try:
            status = server.status()
            assert status["running"] is True and status["loading"] is True
        finally:
            os.kill(pid, signal.SIGCONT)
    finally:
        server.stop()


def test_compaction_rewrites_the_log_onto_a_snapshot(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "g")
    with open_store(settings=settings) as store:
        store.apply_schema()
        store.merge_nodes("Enterprise", [{"id": f"E{i}", "name": "n"} for i in range(5000)])
        server = store.server  # type: ignore[attr-defined]
        assert server.compact() is False  # a small log is left alone
        assert server.compact(min_growth_bytes=0) is True
        client = redis.Redis(host="127.0.0.1", port=server.port)
        deadline = time.monotonic() + 60
        while client.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
            time.sleep(0.1)
        client.close()
        files = _aof(tmp_path / "g")
        base = next(size for name, size in files.items() if name.endswith(".base.rdb"))
        incr = sum(size for name, size in files.items() if name.endswith(".incr.aof"))
        assert base > 10_000 and incr < 1000, files
        server.kill()
    server = EmbeddedServer(tmp_path / "g", settings)
    server.start(timeout_s=60)
    try:
        with open_store(settings=settings) as store:
            assert store.count("Enterprise") == 5000
    finally:
        server.stop()


def _snapshot(settings: Settings) -> tuple[dict[str, dict[str, int]], list[str]]:
    with open_store(settings=settings) as store:
        ids = [r["id"] for r in store.query("MATCH (n) RETURN n.id AS id ORDER BY id")]
        return store.stats(), ids


def _acknowledged_declarations(data_dir: Path) -> int:
    """The declarations the loader's journal says were written and acknowledged (its last record)."""
    records = [
        json.loads(line)
        for journal in (data_dir / "ingest").glob("*/journal.jsonl")
        for line in journal.read_text().splitlines()
        if '"declarations.csv"' in line
    ]
    return max((int(r["loaded"]) for r in records), default=0)


def test_restart_after_kill_9_mid_ingest_answers_and_reingest_equals_a_clean_load(tmp_path: Path) -> None:
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
    ingest = [sys.executable, "-m", "tianji.cli.main", "ingest", str(world), "--no-progress"]
    loader = subprocess.Popen(
        [*ingest, "--chunk-rows", "1000"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 180
    batches = 0
    while time.monotonic() < deadline and batches < 5:  # some declaration batches acknowledged
        for journal in (tmp_path / "var" / "ingest").glob("*/journal.jsonl"):
            batches = sum('"declarations.csv"' in line for line in journal.read_text().splitlines())
        time.sleep(0.05)
    assert batches >= 5, loader.communicate()[0].decode()
    server.kill()  # kill -9 in the middle of the ingest
    loader.wait(timeout=120)
    assert loader.returncode != 0
    started = time.monotonic()
    restart = subprocess.run(
        [sys.executable, "-m", "tianji.cli.main", "db", "start"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert restart.returncode == 0, restart.stdout + restart.stderr
    assert time.monotonic() - started < 60
    with open_store(settings=settings, start=False) as store:
        # every declaration the loader had acknowledged (journaled) before the kill is back, and the graph answers
        assert store.count("Declaration") >= _acknowledged_declarations(tmp_path / "var") >= 5
    rerun = subprocess.run([*ingest], env=env, capture_output=True, cwd=tmp_path, timeout=600)
    assert rerun.returncode == 0, rerun.stdout.decode() + rerun.stderr.decode()
    clean = {**env, "TIANJI_GRAPH_NAME": "clean", "TIANJI_DATA_DIR": str(tmp_path / "clean")}
    loaded = subprocess.run([*ingest], env=clean, capture_output=True, cwd=tmp_path, timeout=600)
    assert loaded.returncode == 0, loaded.stdout.decode() + loaded.stderr.decode()
    try:
        recovered, clean_load = (
            _snapshot(settings),
            _snapshot(settings.model_copy(update={"graph_name": "clean"})),
        )
        assert recovered == clean_load
        assert recovered[0]["labels"]["Declaration"] == 30_000
        assert "graph running at" in restart.stdout
    finally:
        server.stop()
