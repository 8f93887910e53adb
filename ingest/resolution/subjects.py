"""People and domestic enterprises in the graph: other sources' records (``SourceRecord``) resolved by the
probabilistic linker and linked by ``SAME_AS`` to the Person (by hashed ID number) or Enterprise (by USCC)
that a record of their cluster identifies.

A cluster that no record identifies stays a group of records sharing a stable ``cluster`` id (the id most
of its records already carry, else one made from its smallest record id). Pairs short of a merge become
``POSSIBLY_SAME_AS`` between the two records (shown and searchable, never merged); those in the review band
also go to the review queue, whose decisions (must and cannot links) every later run respects.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from graph.store import GraphStore
from ingest.keys import stable_id
from ingest.resolution.backends import Backend
from ingest.resolution.config import LinkageConfig, enterprise_config, person_config
from ingest.resolution.linkage import link
from ingest.resolution.pairs import Pair, Resolution
from ingest.resolution.review import decisions, enqueue, open_review
from tianji.core.settings import Settings
from tianji.core.spark import spark_session


@dataclass(frozen=True)
class SubjectKind:
    kind: str  # person, enterprise
    label: str  # the subject's label: Person, Enterprise
    key: str  # the strong key column, which is also the subject's id
    key_property: str  # the subject's property holding it
    config: LinkageConfig


KINDS = {
    "person": SubjectKind("person", "Person", "id_hash", "id_hash", person_config(strong_key="id_hash")),
    "enterprise": SubjectKind(
        "enterprise", "Enterprise", "uscc", "uscc", enterprise_config(strong_key="uscc")
    ),
}


def _explained(pair: Pair) -> str:
    return json.dumps(pair.explanation, ensure_ascii=False)


def _existing_clusters(store: GraphStore, kind: str) -> dict[str, str]:
    rows = store.query(
        "MATCH (r:SourceRecord {kind: $kind}) RETURN r.id AS id, r.cluster AS cluster",
        {"kind": kind},
        read_only=True,
    )
    return {r["id"]: r["cluster"] for r in rows if r["cluster"]}


def _strongest(result: Resolution) -> dict[str, Pair]:
    """Each record's strongest accepted link (the one its SAME_AS reports)."""
    best: dict[str, Pair] = {}
    for pair in result.pairs:
        if pair.decision == "accept":
            for record in (pair.a, pair.b):
                if record not in best or pair.score > best[record].score:
                    best[record] = pair
    return best


def resolve_records(
    store: GraphStore,
    settings: Settings,
    kind: str,
    records: list[dict[str, Any]],
    *,
    backend: Backend = "duckdb",
) -> tuple[Resolution, dict[str, Any]]:
    """Resolve one kind's records into the graph (linked on ``backend``: duckdb in this process, spark on
    ``settings.spark_master``); returns the resolution and a summary."""
    spec = KINDS[kind]
    engine = open_review(settings)
    must, cannot = decisions(engine, kind)
    result = link(
        records,
        spec.config,
        must_link=must,
        cannot_link=cannot,
        checkpoint=settings.path("resolution", kind, "x").parent,
        backend=backend,
        spark=spark_session(settings) if backend == "spark" else None,
    )
    queued = enqueue(engine, kind, result.pairs)
    by_id = {str(r[spec.config.id_field]): r for r in records}
    existing = _existing_clusters(store, kind)
    known = {
        r["id"]
        for r in store.query(
            f"MATCH (s:{spec.label}) WHERE s.id IN $ids RETURN s.id AS id",
            {"ids": sorted({str(r.get(spec.key)) for r in records if r.get(spec.key)})},
            read_only=True,
        )
    }
    best = _strongest(result)
    nodes, links, subjects, cluster_of = [], [], [], {}
    for members in result.members().values():
        keys = Counter(str(by_id[m][spec.key]) for m in members if by_id[m].get(spec.key))
        held = Counter(existing[m] for m in members if m in existing)
        if keys:
            cluster = keys.most_common(1)[0][0]
        else:
            cluster = held.most_common(1)[0][0] if held else stable_id(f"{kind[:2].upper()}-", min(members))
        names = Counter(str(by_id[m].get("name") or "") for m in members)
        canonical = max(names, key=lambda n: (names[n], -len(n)))
        if keys and cluster not in known:
            subjects.append(
                {"id": cluster, spec.key_property: cluster, "name": canonical, "source": "resolution"}
            )
            known.add(cluster)
        for m in members:
            cluster_of[m] = cluster
            if keys:
                pair = best.get(m)
                links.append(
                    {
                        "start": m,
                        "end": cluster,
                        "score": pair.score if pair else 1.0,
                        "method": pair.method
                        if pair
                        else ("strong_key" if by_id[m].get(spec.key) else "singleton"),
                        "weight": pair.features.get("match_weight", 0.0) if pair else None,
                        "explanation": _explained(pair) if pair else None,
                        "decided_by": "resolver",
                    }
                )
    for rid, cluster in cluster_of.items():
        record = by_id[rid]
        nodes.append(
            {
                "id": rid,
                "kind": kind,
                "source": record.get("source"),
                "name": record.get("name") or rid,
                "phone": record.get("phone") or None,
                "address": record.get("address") or None,
                "cluster": cluster,
            }
        )
    store.merge_nodes("SourceRecord", nodes)
    store.merge_nodes(spec.label, subjects)
    moved = [m for m, c in cluster_of.items() if m in existing and existing[m] != c]
    if moved:  # a record now belongs to another subject: its old link goes
        store.query(
            "UNWIND $ids AS rid MATCH (:SourceRecord {id: rid})-[l:SAME_AS]->() DELETE l", {"ids": moved}
        )
    store.merge_relationships("SAME_AS", "SourceRecord", spec.label, links)
    possible = [
        {
            "start": p.a,
            "end": p.b,
            "score": p.score,
            "method": p.method,
            "weight": p.features.get("match_weight"),
            "decision": p.decision,
            "explanation": _explained(p),
        }
        for p in result.pairs
        if p.decision in ("review", "possible") and cluster_of.get(p.a) != cluster_of.get(p.b)
    ]
    store.query(
        "MATCH (r:SourceRecord {kind: $kind})-[l:POSSIBLY_SAME_AS]->() DELETE l", {"kind": kind}
    )  # the previous run's uncertain pairs give way to this run's
    store.merge_relationships("POSSIBLY_SAME_AS", "SourceRecord", "SourceRecord", possible)
    return result, {
        "kind": kind,
        "records": len(records),
        "subjects": len(set(cluster_of.values())),
        "identified": len({c for m, c in cluster_of.items() if c in known}),
        "new_subjects": len(subjects),
        "possibly_same": len(possible),
        "review_queued": queued,
        "refused_merges": result.refused_merges,
        "unresolved": len(result.unresolved),
        "generic_values": {k: len(v) for k, v in result.notes.get("generic", {}).items()},
        "model_version": result.notes.get("model_version"),
    }
