"""FalkorDB with replicas behind Redis Sentinel (``sentinel://host:port[,host:port…]/MASTER``): where the
primary and replicas are, writes acknowledged by replicas (``WAIT``), and retrying through a failover.

The Sentinels are asked where the primary is each time a connection is opened, so after a failover the
store's next connection reaches the new primary (connections to the old one fail, or answer ``READONLY``
once it has been demoted, and are dropped). Writes go to the primary; reads that may be stale go to a
replica (round robin, the primary when no replica answers).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import NoBackoff
from redis.connection import BlockingConnectionPool
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelConnectionPool

from graph.types import GraphError, GraphUnavailable

DEFAULT_PORT = 26379
T = TypeVar("T")


class ReplicasBehind(GraphUnavailable):
    """A write reached the primary but not the configured number of replicas in time: not acknowledged
    (it may be kept; retrying it is harmless, writes being MERGE on keys)."""


FAILOVER_ERRORS = (
    redis.exceptions.ConnectionError,  # connection lost; also a server still loading its data
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,  # a primary demoted to a replica
    redis.exceptions.MasterDownError,  # a replica that lost its primary
    ReplicasBehind,
)


def in_failover(exc: Exception) -> bool:
    """The error of a server that cannot take the command now but soon will (connection lost, a primary
    demoted or being elected, too few replicas connected, loading): worth retrying."""
    return isinstance(exc, FAILOVER_ERRORS) or (
        isinstance(exc, redis.exceptions.ResponseError) and str(exc).startswith("NOREPLICAS")
    )


def retrying(call: Callable[[], T], *, retries: int, wait_s: float, where: str) -> T:
    """``call``, retried while the server is unreachable or a primary is being elected: ``retries`` times,
    and for ``wait_s`` (behind Sentinel, the failover). Writes are MERGE on keys, so a repeat is harmless.
    Other errors go through at once."""
    give_up = time.monotonic() + wait_s
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except (redis.exceptions.RedisError, ReplicasBehind) as exc:
            if not in_failover(exc):
                raise
            if attempt >= retries and time.monotonic() >= give_up:
                if isinstance(exc, ReplicasBehind):
                    raise
                raise GraphUnavailable(f"{where} is unreachable: {exc}") from exc
            time.sleep(min(0.1 * attempt, 0.5))


def acknowledged(client: redis.Redis, command: Sequence[Any], replicas: int, wait_ms: int) -> Any:
    """Send a write and ``WAIT`` on the same connection: the write's reply once ``replicas`` replicas hold
    it, ``ReplicasBehind`` when they do not within ``wait_ms``."""
    pipe = client.pipeline(transaction=False)
    pipe.execute_command(*command)
    pipe.execute_command("WAIT", replicas, wait_ms)
    reply, acked = pipe.execute(raise_on_error=False)
    for part in (reply, acked):
        if isinstance(part, Exception):
            raise part
    if int(acked) < replicas:
        raise ReplicasBehind(f"the write reached {acked} of {replicas} replicas within {wait_ms} ms")
    return reply


@dataclass(frozen=True)
class SentinelAddress:
    """Where the Sentinels listen and which primary (Sentinel's "master name") they watch."""

    sentinels: tuple[tuple[str, int], ...]
    master: str
    password: str | None = None

    @classmethod
    def parse(cls, uri: str) -> SentinelAddress:
        """``sentinel://[:password@]host:port[,host:port…]/MASTER``; a clear error for anything else."""
        if not uri.startswith("sentinel://"):
            raise GraphError(f"not a sentinel URI: {uri!r}")
        parts = urlsplit(uri)
        hosts_part = parts.netloc.rsplit("@", 1)
        password = unquote(hosts_part[0].split(":", 1)[-1]) if len(hosts_part) == 2 else None
        master = parts.path.strip("/")
        if not master or "/" in master:
            raise GraphError(f"{uri!r} names no primary: expected sentinel://host:port[,host:port…]/MASTER")
        sentinels = []
        for item in hosts_part[-1].split(","):
            host, _, port = item.strip().rpartition(":") if ":" in item else (item.strip(), "", "")
            if not host:
                raise GraphError(f"{uri!r}: empty Sentinel address in {hosts_part[-1]!r}")
            try:
                sentinels.append((host, int(port) if port else DEFAULT_PORT))
            except ValueError:
                raise GraphError(f"{uri!r}: Sentinel port {port!r} is not a number") from None
        return cls(tuple(sentinels), master, password or None)

    def __str__(self) -> str:
        hosts = ",".join(f"{h}:{p}" for h, p in self.sentinels)
        return f"sentinel://{hosts}/{self.master}"


class BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """A Sentinel-managed pool that is bounded like ``BlockingConnectionPool``: a caller waits for a free
    connection instead of opening more than the server's query threads can serve."""


def sentinel_pools(
    address: SentinelAddress, *, max_connections: int, wait_s: float, reply_s: float
) -> tuple[redis.ConnectionPool, redis.ConnectionPool]:
    """The primary's pool and the replicas' pool, both found through the Sentinels: a caller waits up to
    ``wait_s`` for a free connection, and a reply up to ``reply_s`` (the longest query timeout)."""
    sentinel = Sentinel(
        list(address.sentinels),
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        sentinel_kwargs={"socket_timeout": 1.0, "socket_connect_timeout": 1.0},
    )
    common = {
        "password": address.password,
        "decode_responses": True,
        "max_connections": max_connections,
        "timeout": wait_s,
        "socket_connect_timeout": 1.0,
        "socket_timeout": reply_s,  # a primary cut off by the network is given up on after this
        "socket_keepalive": True,
        "retry": Retry(NoBackoff(), 0),  # the store retries itself, through a failover (graph.falkor)
    }
    primary = BlockingSentinelPool(address.master, sentinel, is_master=True, check_connection=True, **common)
    replicas = BlockingSentinelPool(address.master, sentinel, is_master=False, **common)
    return primary, replicas


def topology(address: SentinelAddress) -> dict[str, Any]:
    """The primary and replicas as the first Sentinel that answers names them (for ``tianji db status``)."""
    for host, port in address.sentinels:
        client = redis.Redis(
            host=host,
            port=port,
            password=address.password,
            socket_timeout=2,
            socket_connect_timeout=1,
            decode_responses=True,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            primary = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", address.master)
            replicas = client.execute_command("SENTINEL", "REPLICAS", address.master)
        except redis.exceptions.RedisError:
            continue
        finally:
            client.close()
        found = [dict(zip(r[::2], r[1::2], strict=True)) if isinstance(r, list) else r for r in replicas]
        return {
            "sentinel": f"{host}:{port}",
            "primary": f"{primary[0]}:{primary[1]}" if primary else None,
            "replicas": [{"address": f"{r['ip']}:{r['port']}", "flags": r["flags"]} for r in found],
        }
    return {"sentinel": None, "primary": None, "replicas": []}
