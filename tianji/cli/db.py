"""Start, stop and inspect the graph database (one embedded server, or a local replicated graph)."""

from __future__ import annotations

import json

import typer

from graph.cluster import LocalCluster
from graph.embedded import EmbeddedServer, EmbeddedServerError
from graph.open import open_store
from graph.replication import SentinelAddress, topology
from graph.search_index import backfill
from tianji.core.settings import get_settings

app = typer.Typer(no_args_is_help=True)


def _embedded() -> EmbeddedServer:
    settings = get_settings()
    if not settings.graph_uri.startswith("embedded://"):
        raise typer.BadParameter(
            f"TIANJI_GRAPH_URI={settings.graph_uri} is not embedded; nothing to start or stop"
        )
    return EmbeddedServer.for_uri(settings.graph_uri, settings)


def _cluster(server: EmbeddedServer) -> LocalCluster:
    return LocalCluster(server.directory, server.settings)


@app.command()
def start(
    replicas: int | None = typer.Option(
        None,
        "--replicas",
        min=1,
        help="run a replicated graph on this machine: a primary, this many replicas and three Sentinels "
        "(kept for later starts; a graph already loaded is copied to the replicas)",
    ),
) -> None:
    """Start the embedded FalkorDB server (or adopt the one already running) and apply the schema.

    After a crash the server replays its saved graphs first: start waits for that, showing its progress,
    and leaves a server that is still loading running."""
    server = _embedded()
    cluster = _cluster(server)
    try:
        if replicas is not None or cluster.configured():
            uri = cluster.start(replicas=replicas, timeout_s=120)
            where = f"replicated graph behind {uri} (primary on port {cluster.primary().port})"
        else:
            port = server.start(timeout_s=60)
            where = f"graph running at 127.0.0.1:{port}"
    except EmbeddedServerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    with open_store() as store:
        created = store.apply_schema()
    typer.echo(f"{where} (data in {server.directory}); schema: {len(created)} created")


@app.command()
def stop() -> None:
    """Stop the embedded server cleanly (the append-only file is flushed first); for a replicated graph the
    Sentinels, then the replicas, then the primary."""
    server = _embedded()
    cluster = _cluster(server)
    stopped = cluster.stop() if cluster.configured() else server.stop()
    typer.echo("stopped" if stopped else "not running")


@app.command()
def status() -> None:
    """Show whether the graph answers, where it lives and how big it is; for a replicated graph, the role
    each member reports and the primary each Sentinel names."""
    settings = get_settings()
    info: dict[str, object] = {"uri": settings.graph_uri, "graph": settings.graph_name}
    if settings.graph_uri.startswith("embedded://"):
        server = _embedded()
        cluster = _cluster(server)
        if cluster.configured():
            found = cluster.status()
            info.update(found)
            if not any(m["role"] == "primary" for m in found["members"]):
                typer.echo(json.dumps(info))
                raise typer.Exit(1)
        else:
            info.update(server.status())
            if not info["running"] or info["loading"]:
                typer.echo(json.dumps(info))
                raise typer.Exit(1)
    elif settings.graph_uri.startswith("sentinel://"):
        info.update(topology(SentinelAddress.parse(settings.graph_uri)))
        if info["primary"] is None:
            typer.echo(json.dumps(info))
            raise typer.Exit(1)
    with open_store(start=False) as store:
        info["reachable"] = store.ping()
        info["nodes"] = store.query("MATCH (n) RETURN count(n) AS c", read_only=True)[0]["c"]
    typer.echo(json.dumps(info))


@app.command()
def index(
    everything: bool = typer.Option(
        False, "--all", help="rewrite every node's tokens, not only missing ones"
    ),
) -> None:
    """Create the search indexes and write search tokens on the nodes that have none (graphs loaded before
    there were tokens; ``--all`` after a change to how tokens are made)."""
    with open_store() as store:
        created = store.apply_schema()
        written = backfill(
            store, everything=everything, progress=lambda label, n: typer.echo(f"{label}: {n}")
        )
    typer.echo(f"schema: {len(created)} created; tokens written: {json.dumps(written)}")
