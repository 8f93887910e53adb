"""The parts of the ontology: node types, relationship types, their properties, ties and visibility."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ontology.types import ValueType, value_type

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
LINEAGE_PROPERTIES = ("source", "source_line", "ingested_at", "run_id")


class OntologyError(ValueError):
    """A label, relationship type or property that the ontology does not define, or a bad schema file."""


@dataclass(frozen=True)
class Property:
    name: str
    type: ValueType
    required: bool = False
    description: str = ""
    indexed: bool = False
    search: bool = False

    def clean(self, value: Any) -> Any:
        return self.type.clean(value)

    def could_begin(self, text: str) -> bool:
        return self.type.could_begin(text)


ROLES = ("subject", "event", "evidence", "reference", "derived")
TIE_KINDS = ("office", "shared", "trade", "activity", "contact", "funds", "movement")


@dataclass(frozen=True)
class Visibility:
    """Who may read nodes of a type: readers of the unit held in ``unit_property``; when ``only_when``
    names a boolean property, the rule applies only to nodes where it is true (restricted cases)."""

    unit_property: str
    only_when: str | None = None


@dataclass(frozen=True)
class Tie:
    """What a relationship type says about the two subjects it joins (directly or through a shared node)."""

    kind: str
    weight: float


@dataclass(frozen=True)
class NodeType:
    label: str
    description: str
    id_from: tuple[str, ...]
    caption: str
    role: str
    properties: Mapping[str, Property]
    name_zh: str = ""
    hub: bool = False  # a reference or tag node many subjects point at: not expanded through by default
    searchable: bool = False  # offered by name search
    keyed: bool = False  # found by its key in search (an entry number, a plate, a code)
    watchable: bool = False  # an officer may put a watch on it
    temporal: str | None = None  # the property holding the date the fact happened
    shared_weight: float | None = None  # weight of two subjects sharing this node, in projections
    visibility: Visibility | None = None

    def prop(self, name: str) -> Property:
        try:
            return self.properties[name]
        except KeyError:
            raise OntologyError(
                f"{self.label} has no property {name!r}; it has: {', '.join(sorted(self.properties))}"
            ) from None

    @property
    def indexed(self) -> list[str]:
        return [p.name for p in self.properties.values() if p.indexed and p.name != "id"]

    @property
    def search_properties(self) -> list[str]:
        return [p.name for p in self.properties.values() if p.search]


@dataclass(frozen=True)
class RelationshipType:
    type: str
    description: str
    endpoints: tuple[tuple[str, str], ...]
    properties: Mapping[str, Property]
    name_zh: str = ""
    tie: Tie | None = None  # set when the type ties two subjects
    evidence: bool = False  # links a derived result to the facts that support it

    def allows(self, start: str, end: str) -> bool:
        return (start, end) in self.endpoints

    def prop(self, name: str) -> Property:
        try:
            return self.properties[name]
        except KeyError:
            raise OntologyError(
                f"relationship {self.type} has no property {name!r}; it has: {', '.join(sorted(self.properties))}"
            ) from None


def _properties(owner: str, raw: Mapping[str, Any] | None) -> dict[str, Property]:
    props: dict[str, Property] = {}
    for name, spec in (raw or {}).items():
        if not IDENTIFIER.fullmatch(name):
            raise OntologyError(f"{owner}: property name {name!r} is not an identifier")
        spec = spec or {}
        try:
            vtype = value_type(spec.get("type", "string"))
        except KeyError as exc:
            raise OntologyError(f"{owner}.{name}: {exc.args[0]}") from None
        props[name] = Property(
            name=name,
            type=vtype,
            required=bool(spec.get("required", False)),
            description=spec.get("description", ""),
            indexed=bool(spec.get("indexed", False)),
            search=bool(spec.get("search", False)),
        )
    return props
