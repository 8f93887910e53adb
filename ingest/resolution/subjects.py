"""People, domestic enterprises, vehicles and vessels in the graph: other sources' records (``SourceRecord``)
resolved by the probabilistic linker and linked by ``SAME_AS`` to the Person (by hashed ID number),
Enterprise (by USCC), Vessel (by IMO number) or Vehicle that a record of their cluster identifies. A
vehicle is identified by its VIN or by a plate the graph holds, and known by its plate: the one the graph
holds, else the latest registered (a re-registered vehicle's old plates stay on its records).

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
from ingest.resolution.config import (
    LinkageConfig,
    enterprise_config,
    person_config,
    vehicle_config,
    vessel_config,
)
from ingest.resolution.linkage import link
from ingest.resolution.pairs import Pair, Resolution
from ingest.resolution.review import decisions, enqueue, flag_contradictions, open_review
from ontology.model import get_ontology
from ontology.types import value_type
from tianji.core.settings import Settings
from tianji.core.spark import spark_session


@dataclass(frozen=True)
class SubjectKind:
    kind: str  # person, enterprise, vehicle, vessel
    label: str  # the subject's label: Person, Enterprise, Vehicle, Vessel
    key: str  # the records' strong key column (id_hash, uscc, vin, imo)
    key_property: str  # the subject's property holding its id (id_hash, uscc, plate, imo)
    config: LinkageConfig
    subject_key: str = ""  # the records' column giving the subject's id (default: the strong key)
    id_type: str | None = None  # the ontology value type that cleans that id (plate, imo)
    name_field: str = "name"  # the records' column a SourceRecord is named by
    latest: str | None = None  # a date column: the latest record's id names the subject (a new plate)
    described: tuple[str, ...] = ("name",)  # subject properties taken from the records (most common)
    enriched: tuple[str, ...] = ()  # … also set on subjects the graph already holds
    record_fields: tuple[str, ...] = ("phone", "address")  # columns copied onto the SourceRecord

    @property
    def id_column(self) -> str:
        return self.subject_key or self.key


_VEHICLE = ("vin", "engine_no", "make", "model", "colour")
KINDS = {
    "person": SubjectKind("person", "Person", "id_hash", "id_hash", person_config(strong_key="id_hash")),
    "enterprise": SubjectKind(
        "enterprise", "Enterprise", "uscc", "uscc", enterprise_config(strong_key="uscc")
    ),
    "vehicle": SubjectKind(
        "vehicle",
        "Vehicle",
        "vin",
        "plate",
        vehicle_config(),
        subject_key="plate",
        id_type="plate",
        name_field="plate",
        latest="registered_on",
        described=_VEHICLE,
        enriched=_VEHICLE,
        record_fields=("plate", *_VEHICLE, "owner_uscc"),
    ),
    "vessel": SubjectKind(
        "vessel",
        "Vessel",
        "imo",
        "imo",
        vessel_config(),
        id_type="imo",
        described=("name", "mmsi", "flag"),
        record_fields=("imo", "mmsi", "flag", "ship_type"),
    ),
}


def _clean_id(spec: SubjectKind, value: Any) -> str | None:
    text = str(value or "").strip()
    if not text or spec.id_type is None:
        return text or None
    try:
        return value_type(spec.id_type).clean(text)
    except ValueError:
        return None


def _pick(spec: SubjectKind, members: list[str], by_id: dict[str, dict[str, Any]], known: set[str]) -> str:
    """The subject's id among its records' ids: one the graph holds first, then the latest record's
    (a re-registered vehicle is known by its new plate), then the most common."""
    counts: Counter[str] = Counter()
    latest: dict[str, str] = {}
    for m in members:
        value = _clean_id(spec, by_id[m].get(spec.id_column))
        if value:
            counts[value] += 1
            if spec.latest:
                latest[value] = max(latest.get(value, ""), str(by_id[m].get(spec.latest) or ""))
    return max(counts, key=lambda v: (v in known, latest.get(v, ""), counts[v], v))


def _described(spec: SubjectKind, members: list[str], by_id: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The subject's properties from its records: each the most common value its type accepts (another
    source's flag written 'Panama' or a nine-digit MMSI with a letter in it is left out, not a failure)."""
    node = get_ontology().node(spec.label)
    out = {}
    for prop in spec.described:
        values: Counter[str] = Counter()
        for m in members:
            try:
                value = node.prop(prop).type.clean(by_id[m].get(prop) or None)
            except ValueError:
                continue
            if value not in (None, ""):
                values[str(value)] += 1
        if values:
            out[prop] = max(values, key=lambda n: (values[n], -len(n), n))
    return out


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
    contradicted = flag_contradictions(engine, kind, result.contradictions)
    by_id = {str(r[spec.config.id_field]): r for r in records}
    existing = _existing_clusters(store, kind)
    wanted = {_clean_id(spec, r.get(spec.id_column)) for r in records}
    known = {
        r["id"]
        for r in store.query(
            f"MATCH (s:{store.label(spec.label)}) WHERE s.id IN $ids RETURN s.id AS id",
            {"ids": sorted(w for w in wanted if w)},
            read_only=True,
        )
    }
    best = _strongest(result)
    nodes, links, subjects, enriched, cluster_of = [], [], [], [], {}
    identified: set[str] = set()
    for members in result.members().values():
        ids = {_clean_id(spec, by_id[m].get(spec.id_column)) for m in members} - {None}
        keyed = any(by_id[m].get(spec.key) for m in members)
        held = Counter(existing[m] for m in members if m in existing)
        if ids and (keyed or ids & known):
            cluster = _pick(spec, members, by_id, known)
            identified.add(cluster)
            described = _described(spec, members, by_id)
            if cluster not in known:
                subjects.append(
                    {"id": cluster, spec.key_property: cluster, **described, "source": "resolution"}
                )
                known.add(cluster)
            elif spec.enriched:
                enriched.append({"id": cluster, **{k: described.get(k) for k in spec.enriched}})
        else:
            cluster = held.most_common(1)[0][0] if held else stable_id(f"{kind[:2].upper()}-", min(members))
        for m in members:
            cluster_of[m] = cluster
            if cluster in identified:
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
                "name": record.get(spec.name_field) or rid,
                **{f: record.get(f) or None for f in spec.record_fields},
                "cluster": cluster,
            }
        )
    store.merge_nodes("SourceRecord", nodes)
    store.merge_nodes(spec.label, subjects)
    store.merge_nodes(spec.label, enriched)
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
        "identified": len(identified),
        "new_subjects": len(subjects),
        "possibly_same": len(possible),
        "review_queued": queued,
        "refused_merges": result.refused_merges,
        "contradictions": [
            {k: c[k] for k in ("a", "b", "record", "score", "decision")} for c in contradicted
        ],
        "unresolved": len(result.unresolved),
        "generic_values": {k: len(v) for k, v in result.notes.get("generic", {}).items()},
        "model_version": result.notes.get("model_version"),
    }
