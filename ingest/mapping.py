"""Declarative mappings from source files to the ontology (``ingest/mappings/*.yaml``).

A mapping names its source file, the nodes each row yields (label, id, property ← column) and the
relationships between them or to nodes that already exist. A new administration's export loads by
writing a new mapping file, not code. Mappings are validated with pydantic and against the ontology
when loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest.value_spec import DERIVATIONS, KEYED, FeatureSpec, ValueSpec, spec_of
from ontology import Ontology, OntologyError, get_ontology
from tianji.core.resources import package_path

MAPPINGS_DIR = package_path("ingest", "mappings")


_spec = spec_of
__all__ = [
    "DERIVATIONS",
    "KEYED",
    "EndpointMapping",
    "Mapping",
    "NodeMapping",
    "RelationshipMapping",
    "ValueSpec",
]


class NodeMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    alias: str | None = None  # how relationships of this mapping refer to this node; defaults to label
    id: ValueSpec
    properties: dict[str, ValueSpec] = Field(default_factory=dict)
    optional: bool = False  # a row without this node's id still loads (the node is skipped)
    # source columns kept as model features (name → column or spec with ``kind``): the node's ``features``
    features: dict[str, FeatureSpec] = Field(default_factory=dict)

    _spec_id = field_validator("id", mode="before")(_spec)

    @field_validator("properties", "features", mode="before")
    @classmethod
    def _specs(cls, value: dict[str, Any]) -> dict[str, Any]:
        return {k: _spec(v) for k, v in (value or {}).items()}

    @model_validator(mode="after")
    def _features_property(self) -> NodeMapping:
        if self.features:
            if "features" in self.properties:
                raise ValueError("give the model features either as features: or as the features property")
            self.properties["features"] = ValueSpec(features=self.features)
        return self

    @property
    def name(self) -> str:
        return self.alias or self.label


class EndpointMapping(BaseModel):
    """A relationship end: a node of this row (``node``) or an existing node found by id (``label`` + id)."""

    model_config = ConfigDict(extra="forbid")
    node: str | None = None
    label: str | None = None
    label_column: str | None = None  # the label comes from this column and must be one of ``labels``
    labels: list[str] = Field(default_factory=list)
    id: ValueSpec | None = None

    _spec_id = field_validator("id", mode="before")(_spec)

    @model_validator(mode="after")
    def _one(self) -> EndpointMapping:
        existing = self.label is not None or self.label_column is not None
        if (self.node is None) == (not existing):
            raise ValueError(
                "an endpoint names either node (of this row) or label/label_column + id (an existing node)"
            )
        if existing and self.id is None:
            raise ValueError("an existing-node endpoint needs an id")
        if self.label_column and not self.labels:
            raise ValueError("label_column needs the list of labels it may name")
        return self

    def possible_labels(self) -> list[str]:
        return list(self.labels) if self.label_column else [self.label] if self.label else []


class RelationshipMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str
    start: EndpointMapping
    end: EndpointMapping
    properties: dict[str, ValueSpec] = Field(default_factory=dict)
    optional: bool = False  # skipped when an endpoint id is empty; a non-empty id that is unknown still fails
    type_column: str | None = None  # take the type from a column, mapped through ``types``
    types: dict[str, str] = Field(default_factory=dict)

    @field_validator("properties", mode="before")
    @classmethod
    def _specs(cls, value: dict[str, Any]) -> dict[str, Any]:
        return {k: _spec(v) for k, v in (value or {}).items()}


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    description: str = ""
    order: int = 100
    format: str = "auto"  # csv, jsonl or auto (from the file name)
    encoding: str = "utf-8"
    delimiter: str = ","
    nodes: list[NodeMapping]
    relationships: list[RelationshipMapping] = Field(default_factory=list)
    keep_unmapped: bool = (
        False  # columns no spec reads are kept, as JSON, in the first node's ``raw`` property
    )

    path: Path | None = None

    def node(self, name: str) -> NodeMapping:
        for node in self.nodes:
            if node.name == name:
                return node
        raise OntologyError(f"mapping {self.source}: no node named {name!r}")

    def used_columns(self) -> set[str]:
        """Every source column a node, relationship or property of this mapping reads."""
        specs: list[ValueSpec | None] = []
        columns: set[str] = set()
        for node in self.nodes:
            specs += [node.id, *node.properties.values()]
        for rel in self.relationships:
            specs += [rel.start.id, rel.end.id, *rel.properties.values()]
            columns |= {c for c in (rel.type_column, rel.start.label_column, rel.end.label_column) if c}
        return columns | {c for spec in specs if spec is not None for c in spec.source_columns}

    def check(self, ontology: Ontology) -> None:
        """Every label, type and property named here must exist in the ontology."""
        if self.keep_unmapped and "raw" not in ontology.node(self.nodes[0].label).properties:
            raise OntologyError(
                f"mapping {self.source}: keep_unmapped needs a 'raw' property on {self.nodes[0].label}"
            )
        for node in self.nodes:
            spec = ontology.node(node.label)
            for prop, vspec in node.properties.items():
                self._check_scheme(vspec, spec.prop(prop).type.name, f"{node.label}.{prop}")
            self._check_scheme(node.id, _key_type(ontology, node.label), f"{node.label} key")
        for rel in self.relationships:
            rtypes = list(rel.types.values()) if rel.type_column else [rel.type]
            for rtype in rtypes:
                rspec = ontology.relationship(rtype)
                for prop in rel.properties:
                    rspec.prop(prop)
                starts = [self.node(rel.start.node).label] if rel.start.node else rel.start.possible_labels()
                ends = [self.node(rel.end.node).label] if rel.end.node else rel.end.possible_labels()
                for start in starts:
                    for end in ends:
                        if not rspec.allows(start, end):
                            raise OntologyError(
                                f"mapping {self.source}: {rtype} cannot connect {start} to {end}"
                            )
            for endpoint in (rel.start, rel.end):
                for label in endpoint.possible_labels():
                    ontology.node(label)
                    if endpoint.id is not None:
                        self._check_scheme(endpoint.id, _key_type(ontology, label), f"{rel.type} {label}")

    def _check_scheme(self, spec: ValueSpec, type_name: str | None, where: str) -> None:
        if spec.scheme is not None and type_name != "enterprise_id":
            raise OntologyError(
                f"mapping {self.source}: {where} is not an enterprise identifier: scheme {spec.scheme!r} "
                "does not apply"
            )

    def specs(self) -> list[ValueSpec]:
        """Every value spec of this mapping (ids, properties, relationship properties, feature columns)."""
        out: list[ValueSpec] = []
        for node in self.nodes:
            out += [node.id, *node.properties.values()]
        for rel in self.relationships:
            out += [e.id for e in (rel.start, rel.end) if e.id is not None] + list(rel.properties.values())
        return [inner for spec in out for inner in spec.specs()]

    def bind(self, folder: Path) -> None:
        """Read what the mapping's conversions name beside it (rate tables)."""
        for spec in self.specs():
            if spec.convert is not None:
                try:
                    spec.convert.bind(folder)
                except ValueError as exc:
                    raise OntologyError(f"mapping {self.source}: {exc}") from None

    @property
    def columns(self) -> set[str]:
        cols: set[str] = set()
        for node in self.nodes:
            cols.update(node.id.source_columns)
            for spec in node.properties.values():
                cols.update(spec.source_columns)
        for rel in self.relationships:
            for spec in [*(e.id for e in (rel.start, rel.end) if e.id), *rel.properties.values()]:
                cols.update(spec.source_columns)
            if rel.type_column:
                cols.add(rel.type_column)
            cols.update(e.label_column for e in (rel.start, rel.end) if e.label_column)
        return cols


def _key_type(ontology: Ontology, label: str) -> str | None:
    """The value type of ``label``'s key property (its single ``id_from`` property), if it has one."""
    spec = ontology.node(label)
    return (
        spec.prop(spec.id_from[0]).type.name if len(spec.id_from) == 1 and spec.id_from[0] != "id" else None
    )


def load_mapping(path: Path, ontology: Ontology | None = None) -> Mapping:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OntologyError(f"mapping {path}: cannot read: {exc}") from exc
    if not isinstance(doc, dict):
        raise OntologyError(f"mapping {path}: not a mapping document (a YAML object with source and nodes)")
    try:
        mapping = Mapping.model_validate({**doc, "path": path})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'mapping'}: {e['msg']}" for e in exc.errors()
        )
        raise OntologyError(f"mapping {path}: {problems}") from None
    mapping.check(ontology or get_ontology())
    mapping.bind(path.parent)
    return mapping


def load_mappings(directory: Path = MAPPINGS_DIR, ontology: Ontology | None = None) -> list[Mapping]:
    mappings = [load_mapping(p, ontology) for p in sorted(directory.glob("*.yaml"))]
    return sorted(mappings, key=lambda m: (m.order, m.source))
