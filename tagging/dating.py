"""The date a tag held from: the date of the facts its evidence names, not the day the rule ran.

An evidence path (``Person:P1 > Case:C7``, ``Phone:X < Enterprise:E2``) names nodes as ``Label:id``; a
path dates from the latest of its nodes' own dates (the ontology's ``temporal`` property of each label:
the day every fact of the path existed), and a subject's tag from its earliest path (any one path is
enough for the rule). A path naming no dated node gives no date.
"""

from __future__ import annotations

import re
from collections import defaultdict

from graph.store import GraphStore

_ITEM = re.compile(r"([A-Za-z]\w*):([^\s<>]+)")


def held_from(store: GraphStore, evidence: dict[str, list[str]]) -> dict[str, str]:
    """Subject id -> the date (YYYY-MM-DD) its evidence dates from, for the subjects whose evidence has one."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for paths in evidence.values():
        for path in paths:
            for label, node_id in _ITEM.findall(path):
                if label in store.ontology.nodes and store.ontology.temporal(label):
                    wanted[label].add(node_id)
    dated: dict[tuple[str, str], str] = {}
    for label, ids in wanted.items():
        temporal = store.ontology.temporal(label) or ""
        for row in store.query(
            f"MATCH (n:{store.label(label)}) WHERE n.id IN $ids AND n.{store.prop(label, temporal)} IS NOT NULL "
            f"RETURN n.id AS id, n.{store.prop(label, temporal)} AS at",
            {"ids": sorted(ids)},
            read_only=True,
        ):
            dated[(label, row["id"])] = str(row["at"])[:10]
    out: dict[str, str] = {}
    for subject, paths in evidence.items():
        days = []
        for path in paths:
            path_days = [dated[item] for item in _ITEM.findall(path) if item in dated]
            if path_days:
                days.append(max(path_days))
        if days:
            out[subject] = min(days)
    return out
