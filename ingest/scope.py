"""Writes scoped to a customs unit: a load run for one unit cannot change another unit's nodes.

A node belongs to a unit when its type has a visibility rule (the ontology's ``visibility``) and the
rule's unit property names that unit (a case's ``unit``). A row of a load for unit GZ is refused when one
of its nodes, as written or as it already stands in the graph, belongs to another unit, or when one of its
relationships would attach to such a node. Unit ``"*"`` (headquarters, an administrator, the operator's
own load) may write for every unit.
"""

from __future__ import annotations

from typing import Any

from graph.store import GraphStore

EVERY_UNIT = "*"


class UnitScope:
    """The unit a load writes for, the owners of the graph's unit-bound nodes (read once per label), and
    the rows it refused."""

    def __init__(self, store: GraphStore, unit: str = EVERY_UNIT) -> None:
        self.store = store
        self.unit = unit
        self.rules = store.ontology.visibility_rules()
        self.denied: list[dict[str, Any]] = []
        self._owners: dict[str, dict[str, str]] = {}

    def owner(self, label: str, node_id: str) -> str | None:
        """The unit an existing node of ``label`` belongs to, if its type is bound to units."""
        rule = self.rules.get(label)
        if rule is None:
            return None
        if label not in self._owners:
            store = self.store
            rows = store.query(
                f"MATCH (n:{store.label(label)}) WHERE n.{store.prop(label, rule.unit_property)} IS NOT NULL "
                f"RETURN n.id AS id, n.{store.prop(label, rule.unit_property)} AS unit",
                read_only=True,
            )
            self._owners[label] = {r["id"]: str(r["unit"]) for r in rows}
        return self._owners[label].get(node_id)

    def refusal(
        self,
        nodes: list[tuple[str, str, dict[str, Any]]],
        relationships: list[tuple[str, str, str, str, str, dict[str, Any]]],
    ) -> tuple[str, str, str] | None:
        """``(label, id, unit)`` of the first node of a planned row that belongs to another unit, if any."""
        if self.unit == EVERY_UNIT:
            return None
        for label, node_id, props in nodes:
            rule = self.rules.get(label)
            if rule is None:
                continue
            for unit in (props.get(rule.unit_property), self.owner(label, node_id)):
                if unit is not None and unit != self.unit:
                    return label, node_id, str(unit)
        for _, start_label, start_id, end_label, end_id, _ in relationships:
            for label, node_id in ((start_label, start_id), (end_label, end_id)):
                unit = self.owner(label, node_id)
                if unit is not None and unit != self.unit:
                    return label, node_id, unit
        return None

    def refuse(self, source: str, line: int, refusal: tuple[str, str, str]) -> str:
        """Record a refused row; return the reason its quarantine entry gives."""
        label, node_id, unit = refusal
        self.denied.append({"source": source, "line": line, "label": label, "id": node_id, "unit": unit})
        return f"{label} {node_id!r} belongs to unit {unit}; a load for unit {self.unit} may not change it"
