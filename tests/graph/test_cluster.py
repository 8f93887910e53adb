"""The replicated graph: Sentinel URIs, writes acknowledged by replicas, stale reads from replicas, and
``tianji db start --replicas N`` / ``status`` / ``stop`` on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from graph.cluster import LocalCluster
from graph.falkor import FalkorStore
from graph.open import open_store
from graph.replication import ReplicasBehind, SentinelAddress, topology
from graph.types import GraphError, GraphUnavailable
from ontology import get_ontology
from tests.ingest.builders import uscc
from tianji.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def cluster_settings(directory: Path, **extra: object) -> Settings:
    """Fast failover for tests: a primary silent for 1 s is down; writes wait for one replica."""
    options: dict[str, object] = {
        "graph_min_replicas": 1,
        "graph_sentinel_down_after_ms": 1000,
        "graph_sentinel_failover_timeout_ms": 3000,
        **extra,
    }
    return Settings(graph_uri=f"embedded://{directory}", data_dir=directory.parent / "var", **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    directory = tmp_path_factory.mktemp("replicated") / "graph"
    local = LocalCluster(directory, cluster_settings(directory))
    local.start(replicas=2)
    yield local
    local.stop()


def _replica_ports(cluster: LocalCluster) -> list[int]:
    return [m["port"] for m in cluster.status()["members"] if m["role"] == "replica"]


def _count_on(port: int, graph: str, label: str) -> int:
    client = redis.Redis(port=port, decode_responses=True)
    try:
        reply = client.execute_command(
            "GRAPH.RO_QUERY", graph, f"MATCH (n:{get_ontology().check_label(label)}) RETURN count(n)"
        )
        return int(reply[1][0][0])
    finally:
        client.close()


def test_sentinel_uris_are_parsed_or_refused_clearly() -> None:
    parsed = SentinelAddress.parse("sentinel://10.0.0.1:26379,10.0.0.2:26380,sentinel-c/tianji")
    assert parsed.sentinels == (("10.0.0.1", 26379), ("10.0.0.2", 26380), ("sentinel-c", 26379))
    assert parsed.master == "tianji" and parsed.password is None
    assert str(parsed) == "sentinel://10.0.0.1:26379,10.0.0.2:26380,sentinel-c:26379/tianji"
    assert SentinelAddress.parse("sentinel://:s3cret@h:1/m").password == "s3cret"
    with pytest.raises(GraphError, match="names no primary"):
        SentinelAddress.parse("sentinel://h:26379")
    with pytest.raises(GraphError, match="is not a number"):
        SentinelAddress.parse("sentinel://h:port/m")
    with pytest.raises(GraphError, match="empty Sentinel address"):
        SentinelAddress.parse("sentinel://h:1,,h:2/m")


def test_an_acknowledged_write_is_already_on_the_replicas(cluster: LocalCluster) -> None:
    settings = cluster_settings(cluster.directory, graph_name="acked", graph_min_replicas=2)
    with FalkorStore.from_sentinel(cluster.uri(), settings=settings) as store:
        store.apply_schema()
        store.merge_nodes(
            "Enterprise",
            [{"id": f"E{i}", "uscc": uscc(i), "name": f"n{i}"} for i in range(300)],
            batch_size=100,
        )
        # no waiting: WAIT returned only once both replicas had every batch
        assert [_count_on(port, "acked", "Enterprise") for port in _replica_ports(cluster)] == [300, 300]
        store.clear()


def test_a_write_short_of_replicas_is_not_acknowledged(cluster: LocalCluster) -> None:
    settings = cluster_settings(
        cluster.directory,
        graph_name="short",
        graph_min_replicas=3,
        graph_replica_wait_ms=200,
        graph_failover_wait_s=0,
    )
    with FalkorStore.from_sentinel(cluster.uri(), settings=settings) as store:
        with pytest.raises(ReplicasBehind, match="reached 2 of 3 replicas within 200 ms"):
            store.merge_nodes("Enterprise", [{"id": "E1", "uscc": uscc(1), "name": "n"}])
        store.clear()


def test_a_write_that_creates_is_not_repeated_when_unacknowledged(cluster: LocalCluster) -> None:
    """A MERGE short of replicas is retried (harmless); a CREATE is not (a repeat would double it)."""
    settings = cluster_settings(
        cluster.directory,
        graph_name="once",
        graph_min_replicas=3,
        graph_replica_wait_ms=100,
        graph_failover_wait_s=2,
    )
    with FalkorStore.from_sentinel(cluster.uri(), settings=settings) as store:
        with pytest.raises(ReplicasBehind):
            store.query("MERGE (:Person {id: 'P1'}) MERGE (:Enterprise {id: 'E1'})")
        with pytest.raises(GraphUnavailable, match="is not repeated"):
            store.query(
                "MATCH (p:Person {id: 'P1'}), (e:Enterprise {id: 'E1'}) CREATE (p)-[:LEGAL_REP_OF]->(e)"
            )
        assert store.query("MATCH ()-[r:LEGAL_REP_OF]->() RETURN count(r) AS c", read_only=True) == [{"c": 1}]
        store.clear()


def test_stale_reads_are_answered_by_a_replica(cluster: LocalCluster) -> None:
    settings = cluster_settings(cluster.directory, graph_name="stale")

    def ro_calls(port: int) -> int:
        client = redis.Redis(port=port, decode_responses=True)
        try:
            return int(client.info("commandstats").get("cmdstat_graph.RO_QUERY", {}).get("calls", 0))
        finally:
            client.close()

    primary = cluster.primary().port
    with FalkorStore.from_sentinel(cluster.uri(), settings=settings) as store:
        store.merge_nodes("Enterprise", [{"id": "E1", "uscc": uscc(1), "name": "n"}])
        before = {port: ro_calls(port) for port in [primary, *_replica_ports(cluster)]}
        for _ in range(20):
            assert store.query(
                "MATCH (n:Enterprise) RETURN count(n) AS c", read_only=True, stale_ok=True
            ) == [{"c": 1}]
        after = {port: ro_calls(port) for port in before}
        assert after[primary] == before[primary]
        assert sum(after[p] - before[p] for p in _replica_ports(cluster)) >= 20
        store.query("MATCH (n:Enterprise) RETURN count(n) AS c", read_only=True)  # the primary by default
        assert ro_calls(primary) == after[primary] + 1
        store.clear()


def test_the_sentinels_name_the_primary_and_its_replicas(cluster: LocalCluster) -> None:
    found = topology(cluster.address)
    assert found["primary"] == f"127.0.0.1:{cluster.primary().port}"
    assert sorted(r["address"] for r in found["replicas"]) == sorted(
        f"127.0.0.1:{port}" for port in _replica_ports(cluster)
    )
    assert topology(SentinelAddress((("127.0.0.1", 1),), "tianji"))["primary"] is None


def test_db_start_with_replicas_status_and_stop(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TIANJI_GRAPH_URI": f"embedded://{tmp_path / 'graph'}",
        "TIANJI_DATA_DIR": str(tmp_path / "var"),
        "TIANJI_GRAPH_MIN_REPLICAS": "1",
        "PYTHONPATH": str(ROOT),
    }

    def tianji(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tianji.cli.main", "db", *args],
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=180,
        )

    started = tianji("start", "--replicas", "1")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert "replicated graph behind sentinel://127.0.0.1:" in started.stdout
        status = tianji("status")
        assert status.returncode == 0, status.stdout + status.stderr
        info = json.loads(status.stdout.strip().splitlines()[-1])
        roles = sorted(m["role"] for m in info["members"])
        assert roles == ["primary", "replica"]
        primary = next(m for m in info["members"] if m["role"] == "primary")
        assert [s["primary_port"] for s in info["sentinels"]] == [primary["port"]] * 3
        assert info["reachable"] is True
        with open_store(settings=cluster_settings(tmp_path / "graph"), start=False) as store:
            assert (
                store.backend == "falkordb" and store.ping()
            )  # the embedded URI reaches it through Sentinel
    finally:
        stopped = tianji("stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    after = LocalCluster(tmp_path / "graph", cluster_settings(tmp_path / "graph")).status()
    assert [m["role"] for m in after["members"]] == ["down", "down"]
    assert [s["primary_port"] for s in after["sentinels"]] == [None] * 3


def test_a_dead_primary_comes_back_as_a_replica(cluster: LocalCluster) -> None:
    """Starting the graph while its primary is down waits for the Sentinels' failover, then brings the
    old primary back as a replica (never as a second primary that would lose the last writes)."""
    settings = cluster_settings(cluster.directory, graph_name="rejoin")
    with FalkorStore.from_sentinel(cluster.uri(), settings=settings) as store:
        store.merge_nodes(
            "Enterprise", [{"id": f"E{i}", "uscc": uscc(i), "name": f"n{i}"} for i in range(50)]
        )
        old = cluster.primary()
        cluster.kill(old)
        cluster.start()
        members = {m["name"]: m for m in cluster.status()["members"]}
        assert members[old.name]["role"] == "replica" and members[old.name]["link"] == "up"
        assert [m["role"] for m in members.values()].count("primary") == 1
        assert cluster.primary() != old
        assert store.count("Enterprise") == 50
        assert _count_on(old.port, "rejoin", "Enterprise") == 50
        store.clear()
