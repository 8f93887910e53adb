"""``open_store``: the backend a graph URI names, opened (and, for the embedded graph, started)."""

from __future__ import annotations

from graph.cluster import LocalCluster
from graph.embedded import EmbeddedServer
from graph.falkor import FalkorStore
from graph.store import GraphStore
from graph.types import GraphError, GraphUnavailable
from ontology import Ontology
from tianji.core.settings import Settings, get_settings


def open_store(
    uri: str | None = None,
    *,
    settings: Settings | None = None,
    ontology: Ontology | None = None,
    start: bool = True,
) -> GraphStore:
    """Open the graph named by ``uri`` (default: the settings' ``graph_uri``).

    ``embedded://DIR`` starts (or reuses) the FalkorDB server for DIR unless ``start`` is false (all the
    members of its replicated graph when ``tianji db start --replicas N`` made one);
    ``redis://`` reaches an external FalkorDB; ``sentinel://host:port[,host:port…]/MASTER`` the primary and
    replicas those Sentinels watch; ``neo4j://``, ``neo4j+s://`` and ``bolt://`` use Neo4j.
    """
    settings = settings or get_settings()
    uri = uri or settings.graph_uri
    if uri.startswith("embedded://"):
        cluster = LocalCluster(EmbeddedServer.for_uri(uri, settings).directory, settings)
        if cluster.configured():  # `tianji db start --replicas N` made it a replicated graph
            if start and not cluster.running():  # a running one is left to its Sentinels
                cluster.start()
            return FalkorStore.from_sentinel(cluster.uri(), settings=settings, ontology=ontology)
        server = EmbeddedServer.for_uri(uri, settings)
        if start:
            server.start()
        elif not server.running():
            raise GraphUnavailable(
                f"the embedded graph at {server.directory} is not running; run `tianji db start`"
            )
        return FalkorStore("127.0.0.1", server.port, settings=settings, ontology=ontology, server=server)
    if uri.startswith(("redis://", "rediss://")):
        return FalkorStore.from_url(uri, settings=settings, ontology=ontology)
    if uri.startswith("sentinel://"):
        return FalkorStore.from_sentinel(uri, settings=settings, ontology=ontology)
    if uri.startswith(("neo4j://", "neo4j+s://", "bolt://", "bolt+s://")):
        # imported here, not above: the neo4j driver takes over a second to import (it pulls in pandas),
        # and only Neo4j deployments should pay that
        from graph.neo4j_store import Neo4jStore

        return Neo4jStore(uri, settings=settings, ontology=ontology)
    raise GraphError(f"unsupported graph URI {uri!r}")
