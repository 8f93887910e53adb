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
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import redis

from graph.embedded import EmbeddedServer, EmbeddedServerError, _pid_alive, free_port
from graph.replication import SentinelAddress
from graph.sentinels import (
    MASTER,
    SENTINELS,
    Member,
    await_sentinels,
    local_client,
    named_primary,
    sentinel_pid,
    start_sentinel,
)
from tianji.core.settings import Settings


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
            self._await_links(primary, ordered[1:], timeout_s)
            for sentinel in sentinels:
                start_sentinel(sentinel, primary, nodes, sentinels, self.settings)
            await_sentinels(sentinels, len(nodes) - 1, timeout_s)
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
        watched = any(named_primary(s.port) is not None for s in sentinels)
        if not watched or self._alive(primary) or not any(self._alive(n) for n in nodes if n is not primary):
            return primary
        s = self.settings
        deadline = (
            time.monotonic()
            + (s.graph_sentinel_down_after_ms + s.graph_sentinel_failover_timeout_ms) / 1000
            + 5
        )
        settled: Member | None = None
        while time.monotonic() < deadline:
            time.sleep(0.2)
            elected = self._agreed_primary(nodes, sentinels)
            if elected is not None and elected is not primary and elected is settled:
                return elected  # named by every Sentinel that answers, twice in a row
            settled = elected
        raise EmbeddedServerError(
            f"the primary {primary.name} is down and the Sentinels have not promoted a replica; "
            f"see {sentinels[0].directory / 'sentinel.log'}"
        )

    def _agreed_primary(self, nodes: list[Member], sentinels: list[Member]) -> Member | None:
        """The member every answering Sentinel names as primary, when it runs and says it is one (during a
        failover the Sentinels may name different replicas for a while, or one not yet promoted)."""
        named = {port for port in (named_primary(s.port) for s in sentinels) if port is not None}
        by_port = {n.port: n for n in nodes}
        if len(named) != 1 or (port := next(iter(named))) not in by_port or not self._alive(by_port[port]):
            return None
        client = local_client(port=port, socket_timeout=2, decode_responses=True)
        try:
            role = client.info("replication").get("role")
        except redis.exceptions.RedisError:
            return None
        finally:
            client.close()
        return by_port[port] if role == "master" else None

    def running(self) -> bool:
        """Some Sentinel of this graph answers (its members may be failing over)."""
        return self.configured() and any(named_primary(s.port) is not None for s in self._load()[1])

    def _current_primary(self, nodes: list[Member], sentinels: list[Member]) -> Member:
        """The member the Sentinels name (alive ones asked first, then their saved configuration);
        node-0 for a new cluster."""
        by_port = {n.port: n for n in nodes}
        for sentinel in sentinels:
            port = named_primary(sentinel.port)
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

    def _await_links(self, primary: Member, replicas: list[Member], timeout_s: float) -> None:
        """Until every replica has copied the primary's data and follows its writes."""
        deadline = time.monotonic() + timeout_s
        for node in replicas:
            client = local_client(port=node.port, socket_timeout=2, decode_responses=True)
            try:
                while (state := client.info("replication")).get("master_link_status") != "up":
                    if time.monotonic() > deadline:
                        raise EmbeddedServerError(
                            f"replica {node.name} (port {node.port}) has no link to its primary "
                            f"{primary.name} (port {primary.port}) after {timeout_s:.0f}s: it follows port "
                            f"{state.get('master_port') or 'none'}, link {state.get('master_link_status', 'none')} "
                            f"(log: {node.directory / 'falkordb.log'})"
                        )
                    time.sleep(0.1)
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
            pid = sentinel_pid(sentinel)
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
            client = local_client(
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
        views = [{"name": s.name, "port": s.port, "primary_port": named_primary(s.port)} for s in sentinels]
        return {"sentinel_uri": self.uri(), "members": members, "sentinels": views}

    def primary(self) -> Member:
        """The member the Sentinels currently name as primary."""
        nodes, sentinels = self._load()
        return self._current_primary(nodes, sentinels)

    def kill(self, member: Member) -> None:
        """kill -9 a member, as a crash would (failover tests)."""
        EmbeddedServer(member.directory, self.settings, port=member.port).kill()
