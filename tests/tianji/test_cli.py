"""The ``tianji`` command as an operator uses it: db start/status/stop, ingest, stats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.ingest.builders import tiny_world

ROOT = Path(__file__).resolve().parents[2]


def tianji(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tianji.cli.main", *args],
        env=env,
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=300,
    )


def test_operator_journey(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TIANJI_GRAPH_URI": f"embedded://{tmp_path / 'graph'}",
        "TIANJI_DATA_DIR": str(tmp_path / "var"),
    }
    tiny_world(tmp_path / "world")
    try:
        started = tianji("db", "start", env=env, cwd=tmp_path)
        assert started.returncode == 0, started.stderr
        assert "graph running at 127.0.0.1:" in started.stdout
        status = tianji("db", "status", env=env, cwd=tmp_path)
        assert json.loads(status.stdout)["running"] is True
        loaded = tianji("ingest", str(tmp_path / "world"), "--no-progress", env=env, cwd=tmp_path)
        assert loaded.returncode == 0, loaded.stderr
        assert json.loads(loaded.stdout.splitlines()[-1])["quarantined"] == 0
        stats = json.loads(tianji("stats", "--json", env=env, cwd=tmp_path).stdout)
        assert stats["labels"]["Declaration"] == 40 and stats["types"]["CONSIGNEE"] == 40
        missing = tianji("ingest", str(tmp_path / "nowhere"), env=env, cwd=tmp_path)
        assert missing.returncode == 2 and "is not a directory" in missing.stderr
    finally:
        stopped = tianji("db", "stop", env=env, cwd=tmp_path)
    assert stopped.stdout.strip() == "stopped"
    after = tianji("db", "status", env=env, cwd=tmp_path)
    assert after.returncode == 1 and json.loads(after.stdout)["running"] is False


def test_unknown_benchmark_names_the_known_ones(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = tianji("bench", "nope", env=env, cwd=tmp_path)
    assert result.returncode != 0 and "known: " in result.stderr and "ingest" in result.stderr


def test_a_spark_backend_without_java_is_a_usage_error(tmp_path: Path) -> None:
    """No Java runtime (none on the PATH, JAVA_HOME pointing nowhere): each command with a Spark backend
    says so and exits 2, before it reads anything."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PATH": str(Path(sys.executable).parent),
        "JAVA_HOME": str(tmp_path / "no-java"),
        "TIANJI_DATA_DIR": str(tmp_path / "var"),
    }
    records = tmp_path / "people.csv"
    records.write_text("record_id,name\n1,Li Wei\n", encoding="utf-8")
    for command in (
        ("score", "batch", "--backend", "spark"),
        ("tracks", "companions", "--backend", "spark"),
        ("resolve", "records", "person", str(records), "--backend", "spark"),
    ):
        result = tianji(*command, env=env, cwd=tmp_path)
        said = " ".join(result.stderr.replace("│", " ").split())
        assert result.returncode == 2, (command, result.stderr)
        assert "Invalid value for --backend" in said and "no Java runtime" in said, (command, said)
        assert "Traceback" not in said
