"""The ontology, loaded from ``ontology/schema``: node types, relationship types and their properties.

The YAML files are the single source of truth. Code asks the ontology for labels and relationship
types (``check_label``, ``check_type``) before they reach Cypher; anything unknown is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ontology.spec import (  # noqa: F401 - the parts, importable from here as before
    IDENTIFIER,
    LINEAGE_PROPERTIES,
    ROLES,
    TIE_KINDS,
    NodeType,
    OntologyError,
    Property,
    RelationshipType,
    Tie,
    Visibility,
    _properties,
)
from tianji.core.resources import package_path

SCHEMA_DIR = package_path("ontology", "schema")


_LINEAGE = {
    "source": {"type": "string", "description": "file or producer this node came from"},
    "source_line": {"type": "int", "description": "line of the source file"},
    "ingested_at": {"type": "datetime", "description": "when it was written"},
    "run_id": {"type": "string", "description": "ingest or analysis run that wrote it"},
}


@dataclass
class Ontology:
    nodes: dict[str, NodeType] = field(default_factory=dict)
    relationships: dict[str, RelationshipType] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path = SCHEMA_DIR) -> Ontology:
        onto = cls()
        for path in sorted((directory / "nodes").glob("*.yaml")):
            onto._add_node(path, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted((directory / "relationships").glob("*.yaml")):
            onto._add_relationship(path, yaml.safe_load(path.read_text(encoding="utf-8")))
        onto._check()
        return onto

    def _add_node(self, path: Path, doc: dict[str, Any]) -> None:
        label = doc.get("label", "")
        if not IDENTIFIER.fullmatch(label) or path.stem != label:
            raise OntologyError(f"{path.name}: label {label!r} must be an identifier equal to the file name")
        raw_props: dict[str, Any] = {
            "id": {"type": "string", "required": True, "description": "key of this node"}
        }
        raw_props.update(doc.get("properties") or {})
        if any((spec or {}).get("search") for spec in raw_props.values()):
            raw_props["search_text"] = {
                "type": "string",
                "description": "normalised text of the searchable "
                "properties (derived at ingest, see ontology/text.py)",
            }
            raw_props["search_tokens"] = {
                "type": "string",
                "description": "search tokens of the searchable names: words, character bigrams, "
                "pinyin (derived where nodes are written, see ontology/tokens.py)",
            }
        for name, spec in _LINEAGE.items():
            raw_props.setdefault(name, spec)
        props = _properties(label, raw_props)
        id_from = tuple(doc.get("id_from") or ["id"])
        for name in id_from:
            if name not in props:
                raise OntologyError(f"{label}: id_from names unknown property {name!r}")
        role = doc.get("role", "subject")
        if role not in ROLES:
            raise OntologyError(f"{label}: role {role!r} is not one of {', '.join(ROLES)}")
        temporal = doc.get("temporal")
        if temporal is not None and temporal not in props:
            raise OntologyError(f"{label}: temporal names unknown property {temporal!r}")
        visibility = None
        if doc.get("visibility"):
            rule = doc["visibility"]
            visibility = Visibility(unit_property=str(rule["unit_property"]), only_when=rule.get("only_when"))
            for named in (visibility.unit_property, visibility.only_when):
                if named is not None and named not in props:
                    raise OntologyError(f"{label}: visibility names unknown property {named!r}")
        shared = doc.get("shared_weight")
        self.nodes[label] = NodeType(
            label=label,
            description=doc.get("description", ""),
            id_from=id_from,
            caption=doc.get("caption", "id"),
            role=role,
            properties=props,
            name_zh=doc.get("name_zh", ""),
            hub=bool(doc.get("hub", False)),
            searchable=bool(doc.get("searchable", False)),
            keyed=bool(doc.get("keyed", False)),
            watchable=bool(doc.get("watchable", False)),
            temporal=temporal,
            shared_weight=float(shared) if shared is not None else None,
            visibility=visibility,
        )

    def _add_relationship(self, path: Path, doc: dict[str, Any]) -> None:
        rtype = doc.get("type", "")
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", rtype) or path.stem != rtype:
            raise OntologyError(f"{path.name}: type {rtype!r} must be UPPER_SNAKE and equal to the file name")
        raw_props = dict(doc.get("properties") or {})
        for name, spec in _LINEAGE.items():
            raw_props.setdefault(name, spec)
        endpoints = tuple((str(a), str(b)) for a, b in doc.get("endpoints") or [])
        if not endpoints:
            raise OntologyError(f"{rtype}: no endpoints")
        tie = None
        if doc.get("tie"):
            kind = doc["tie"].get("kind")
            if kind not in TIE_KINDS:
                raise OntologyError(f"{rtype}: tie kind {kind!r} is not one of {', '.join(TIE_KINDS)}")
            tie = Tie(kind=kind, weight=float(doc["tie"].get("weight", 1.0)))
        self.relationships[rtype] = RelationshipType(
            type=rtype,
            description=doc.get("description", ""),
            endpoints=endpoints,
            properties=_properties(rtype, raw_props),
            name_zh=doc.get("name_zh", ""),
            tie=tie,
            evidence=bool(doc.get("evidence", False)),
        )

    def _check(self) -> None:
        for rel in self.relationships.values():
            for start, end in rel.endpoints:
                for label in (start, end):
                    if label not in self.nodes:
                        raise OntologyError(f"relationship {rel.type} names unknown label {label!r}")

    # -- lookups that guard Cypher ---------------------------------------------------------------

    def node(self, label: str) -> NodeType:
        try:
            return self.nodes[label]
        except (KeyError, TypeError):
            raise OntologyError(
                f"unknown label {label!r}; known labels: {', '.join(sorted(self.nodes))}"
            ) from None

    def relationship(self, rtype: str) -> RelationshipType:
        try:
            return self.relationships[rtype]
        except (KeyError, TypeError):
            raise OntologyError(
                f"unknown relationship type {rtype!r}; known types: {', '.join(sorted(self.relationships))}"
            ) from None

    def check_label(self, label: str) -> str:
        """Return ``label`` if the ontology defines it, else raise: the only way a label reaches Cypher."""
        return self.node(label).label

    def check_type(self, rtype: str) -> str:
        return self.relationship(rtype).type

    def check_labels(self, labels: Iterable[str]) -> list[str]:
        return [self.check_label(label) for label in labels]

    def check_types(self, types: Iterable[str]) -> list[str]:
        return [self.check_type(t) for t in types]

    def check_property(self, label_or_type: str, name: str) -> str:
        owner = self.nodes.get(label_or_type) or self.relationships.get(label_or_type)
        if owner is None:
            raise OntologyError(f"unknown label or relationship type {label_or_type!r}")
        return owner.prop(name).name

    def labels(self, role: str | None = None) -> list[str]:
        return sorted(name for name, n in self.nodes.items() if role is None or n.role == role)

    def types_between(self, start: str, end: str) -> list[str]:
        return sorted(r.type for r in self.relationships.values() if r.allows(start, end))

    # -- semantics the code reads instead of keeping its own lists ------------------------------

    def ties(self, *kinds: str, start: str | None = None, end: str | None = None) -> list[str]:
        """Relationship types that tie subjects, optionally of the given kinds and joining ``start`` to
        ``end`` (either may be None for any label), sorted."""
        for kind in kinds:
            if kind not in TIE_KINDS:
                raise OntologyError(f"unknown tie kind {kind!r}; known: {', '.join(TIE_KINDS)}")
        return sorted(
            r.type
            for r in self.relationships.values()
            if r.tie is not None
            and (not kinds or r.tie.kind in kinds)
            and any((start is None or a == start) and (end is None or b == end) for a, b in r.endpoints)
        )

    def tie_weight(self, rtype: str) -> float:
        """How much one relationship of this type says about the two subjects it joins (0 if no tie)."""
        tie = self.relationship(rtype).tie
        return tie.weight if tie else 0.0

    def shared_labels(self) -> dict[str, float]:
        """Labels whose nodes tie the subjects that share them (an address, a phone…), with their weight."""
        return {n.label: n.shared_weight for n in self.nodes.values() if n.shared_weight is not None}

    def evidence_types(self) -> list[str]:
        return sorted(r.type for r in self.relationships.values() if r.evidence)

    def hubs(self) -> list[str]:
        return sorted(n.label for n in self.nodes.values() if n.hub)

    def searchable_labels(self) -> list[str]:
        return sorted(n.label for n in self.nodes.values() if n.searchable)

    def keyed_labels(self) -> list[str]:
        return sorted(n.label for n in self.nodes.values() if n.keyed)

    def watchable_labels(self) -> list[str]:
        return sorted(n.label for n in self.nodes.values() if n.watchable)

    def temporal(self, label: str) -> str | None:
        """The property of ``label`` that holds the date its fact happened, if it has one."""
        return self.node(label).temporal

    def temporal_properties(self) -> list[str]:
        """Every distinct temporal property name, in a stable order (for a ``coalesce`` over labels)."""
        return sorted({n.temporal for n in self.nodes.values() if n.temporal})

    def visibility(self, label: str) -> Visibility | None:
        return self.node(label).visibility

    def visibility_rules(self) -> dict[str, Visibility]:
        """Every label whose nodes not every reader may see, with its rule."""
        return {n.label: n.visibility for n in self.nodes.values() if n.visibility is not None}


@lru_cache(maxsize=1)
def get_ontology() -> Ontology:
    """The ontology shipped with the code, loaded once."""
    return Ontology.load()
