"""Every label and relationship type written into the project's Cypher comes from the ontology.

Each string literal of the project's packages (f-strings' literal parts included) that reads as Cypher is
scanned with ``ast``; a label in a node pattern (``(x:Label``, ``(:A:B``) or a type in a relationship
pattern (``[:TYPE]``, ``[r:A|B*1..3]``) must be declared under ``ontology/schema``. Names put in through
``store.label()`` or ``store.rtype()`` are checked when the query is built, and are not seen here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from ontology.model import get_ontology
from tests.tianji.test_layers import ROOT, modules

CYPHER = re.compile(r"\b(MATCH|MERGE|CREATE|UNWIND|DETACH DELETE)\b")
# a node pattern's labels: "(" then an optional variable, then ":Label" (more than one may follow)
NODE = re.compile(r"\(\s*[A-Za-z_]\w*\s*((?::\s*`?[A-Za-z_]\w*`?\s*)+)|\(\s*((?::\s*`?[A-Za-z_]\w*`?\s*)+)")
# a relationship pattern's types: "[" then an optional variable, then ":A|B" before "*", "{" or "]"
REL = re.compile(r"\[\s*[A-Za-z_]?\w*\s*:\s*([A-Za-z_][\w|:` ]*?)\s*(?:\*|\{|\])")


def literals(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of each string literal; an f-string's literal parts joined, its fields left as {}."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inside.add(id(value))
                parts.append(value.value if isinstance(value, ast.Constant) else "{}")
            yield node.lineno, "".join(str(p) for p in parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside:
            yield node.lineno, node.value


def names_used(text: str) -> tuple[set[str], set[str]]:
    labels: set[str] = set()
    for match in NODE.finditer(text):
        group = match.group(1) or match.group(2)
        labels |= {part.strip(" `") for part in group.split(":") if part.strip(" `")}
    types: set[str] = set()
    for match in REL.finditer(text):
        types |= {part.strip(" `:") for part in match.group(1).split("|") if part.strip(" `:")}
    return labels, types


def test_the_scanner_sees_labels_and_types_in_their_patterns() -> None:
    labels, types = names_used(
        "MATCH (a:Person)-[r:LEGAL_REP_OF|SHAREHOLDER_OF*1..2]->(:Enterprise:Hub {id: $id}) "
        "MATCH (x)-[:SAME_AS]-(y) WHERE x.name = 'a:b' RETURN count(*) AS n, [(x)-->(z) | z.id]"
    )
    assert labels == {"Person", "Enterprise", "Hub"}
    assert types == {"LEGAL_REP_OF", "SHAREHOLDER_OF", "SAME_AS"}


def test_every_label_and_type_in_the_projects_cypher_is_in_the_ontology() -> None:
    ontology = get_ontology()
    known_labels, known_types = set(ontology.nodes), set(ontology.relationships)
    unknown: list[str] = []
    scanned = 0
    for path in sorted(modules().values()):  # every module of the project's packages
        for line, text in literals(path):
            if not CYPHER.search(text):
                continue
            scanned += 1
            labels, types = names_used(text)
            where = f"{path.relative_to(ROOT)}:{line}"
            unknown += [f"{where}: label {x}" for x in sorted(labels - known_labels)]
            unknown += [f"{where}: relationship type {x}" for x in sorted(types - known_types)]
    assert scanned > 100  # the project's queries were read
    assert not unknown, "\n".join(unknown)
