"""What one reader may see: the ontology's visibility rules applied for the reader's customs unit.

A node type's ``visibility`` rule (YAML) names the property holding the owning unit and, optionally, a flag
the rule applies under (cases are hidden only when ``restricted``). A ``Viewer`` is that rule set bound to
one reader's unit (``"*"``: headquarters, every unit). It is the one place visibility is decided, in both
forms the code needs:

- ``where(var)``: a Cypher predicate for a node variable, with ``params`` to bind (``$unit``), so that
  queries never read what the reader may not see;
- ``sees(node)`` / ``keep(nodes)`` and ``node(store, label, id)``: the same rule on rows already read.

Derived results must not name what the reader may not see either: ``redact`` drops the entries of
``evidence`` lists (``Label:id``, or paths of them joined by `` > `` or `` < ``) that point at hidden nodes,
and ``hidden`` says which of a list of ``(label, id)`` references are hidden. A hidden node and a missing
one look the same to every caller: ``node`` returns ``None`` for both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph.store import GraphStore
from ontology import Ontology

EVERY_UNIT = "*"
NO_UNIT = ""  # a reader of no unit: sees only what no rule hides (results stored for every reader)
EVIDENCE = "evidence"  # the property, on nodes and relationships, that lists references to other nodes
_REFERENCE = re.compile(r"([A-Za-z][A-Za-z0-9_]*):(.+)")
_STEP = re.compile(r" [<>] ")


def predicate(ontology: Ontology, var: str) -> str:
    """Cypher predicate: the reader's unit (``$unit``, which the query must bind) may see ``var``.

    One clause per label with a visibility rule: a node of that label is seen only by the unit its
    ``unit_property`` names (when the rule has ``only_when``, only if that flag is set); ``$unit = '*'``
    sees everything. ``var`` is a query variable the caller's own Cypher names, never input."""
    if not var.isidentifier():
        raise ValueError(f"not a Cypher variable: {var!r}")
    clauses = []
    for label, rule in sorted(ontology.visibility_rules().items()):
        owned = f"{var}.{rule.unit_property} = $unit"
        if rule.only_when:
            owned = f"coalesce({var}.{rule.only_when}, false) = false OR {owned}"
        clauses.append(f"(NOT {var}:{label} OR {owned})")
    return f"($unit = '{EVERY_UNIT}' OR ({' AND '.join(clauses) or 'true'}))"


def references(entry: str) -> list[tuple[str, str]]:
    """The ``(label, id)`` references of one evidence entry (``Case:C1``, ``Case:C1 > Enterprise:E2``)."""
    found = []
    for step in _STEP.split(str(entry)):
        match = _REFERENCE.fullmatch(step.strip())
        if match:
            found.append((match.group(1), match.group(2)))
    return found


@dataclass(frozen=True)
class Viewer:
    ontology: Ontology
    unit: str

    @classmethod
    def everyone(cls, ontology: Ontology) -> Viewer:
        """A reader of every unit (scheduled jobs, headquarters)."""
        return cls(ontology, EVERY_UNIT)

    @classmethod
    def anyone(cls, ontology: Ontology) -> Viewer:
        """A reader of no unit: what every reader may see (for results stored once and shown to all)."""
        return cls(ontology, NO_UNIT)

    @property
    def sees_all(self) -> bool:
        return self.unit == EVERY_UNIT

    @property
    def params(self) -> dict[str, Any]:
        """The parameters ``where`` needs bound."""
        return {"unit": self.unit}

    def where(self, var: str) -> str:
        return predicate(self.ontology, var)

    def where_label(self, label: str, var: str) -> str:
        """``where`` for a variable that holds a node of ``label``: only that label's rule (``true`` when
        it has none), a shorter query for the server to plan."""
        rule = self.ontology.visibility_rules().get(self.ontology.check_label(label))
        if rule is None:
            return "true"
        return predicate(Ontology(nodes={label: self.ontology.node(label)}), var)

    def sees_properties(self, label: str, properties: Mapping[str, Any]) -> bool:
        rule = self.ontology.visibility_rules().get(label)
        if rule is None or self.sees_all:
            return True
        if rule.only_when and not properties.get(rule.only_when):
            return True
        return bool(properties.get(rule.unit_property) == self.unit)

    def sees(self, node: Mapping[str, Any]) -> bool:
        """The rule on a node as the store returns it (``labels``, ``properties``)."""
        return all(self.sees_properties(label, node["properties"]) for label in node["labels"])

    def keep(self, nodes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [n for n in nodes if self.sees(n)]

    def node(self, store: GraphStore, label: str, node_id: str) -> dict[str, Any] | None:
        """The node if it exists and the reader may see it; ``None`` for hidden and missing alike."""
        rows = store.query(
            f"MATCH (n:{store.label(label)} {{id: $id}}) WHERE {self.where('n')} RETURN n",
            {"id": node_id, **self.params},
            read_only=True,
        )
        return self.redact(store, [rows[0]["n"]])[0] if rows else None

    def hidden(self, store: GraphStore, refs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these references name nodes the reader may not see (one query per ruled label)."""
        if self.sees_all:
            return set()
        rules = self.ontology.visibility_rules()
        by_label: dict[str, set[str]] = {}
        for label, node_id in refs:
            if label in rules:
                by_label.setdefault(label, set()).add(node_id)
        found: set[tuple[str, str]] = set()
        for label, ids in sorted(by_label.items()):
            rows = store.query(
                f"MATCH (n:{store.label(label)}) WHERE n.id IN $ids AND NOT {self.where('n')} RETURN n.id AS id",
                {"ids": sorted(ids), **self.params},
                read_only=True,
            )
            found.update((label, r["id"]) for r in rows)
        return found

    def evidence(self, store: GraphStore, entries: Iterable[str]) -> list[str]:
        """The evidence entries that name nothing hidden from the reader."""
        entries = list(entries)
        hidden = self.hidden(store, (ref for e in entries for ref in references(e)))
        return [e for e in entries if not hidden.intersection(references(e))]

    def redact(self, store: GraphStore, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Nodes or relationships (as the store returns them) with their evidence lists cut to what the
        reader may see; the items themselves are copied only when something was cut."""
        if self.sees_all:
            return items
        lists = [i["properties"].get(EVIDENCE) for i in items]
        refs = [
            ref for entries in lists if isinstance(entries, list) for e in entries for ref in references(e)
        ]
        hidden = self.hidden(store, refs)
        if not hidden:
            return items
        out = []
        for item, entries in zip(items, lists, strict=True):
            if isinstance(entries, list):
                kept = [e for e in entries if not hidden.intersection(references(e))]
                if len(kept) != len(entries):
                    item = {**item, "properties": {**item["properties"], EVIDENCE: kept}}
            out.append(item)
        return out
