"""Every label, relationship type and property named in the code's Cypher is one the ontology defines.

FalkorDB and Neo4j answer a query naming an unknown label, type or property with no rows, not an
error, so a rename or a misspelling fails silently. This test reads every string literal of the
packages (implicitly concatenated parts joined, f-string placeholders blanked), keeps those that read
as Cypher, and extracts:

- labels: ``(n:Label``, ``(:A:B``, label predicates such as ``WHERE n:Case``;
- relationship types: ``[:TYPE``, ``[r:TYPE|OTHER*1..2``;
- properties: ``var.prop`` and the keys of a pattern's map (``(n:Label {prop: …})``). When the
  variable's label or type is written in the same string the property must belong to it; otherwise
  to at least one node or relationship type (every type has the lineage properties).

Function calls (``coalesce(``, ``algo.pageRank(``), ``$parameters`` and ``$param.key``, variables
bound by ``UNWIND $rows AS row`` (map keys, not properties) and map literals outside patterns (such as
those in RETURN) are not properties.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ontology import Ontology, get_ontology

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {"tests", ".venv", ".git", "node_modules", "build", "dist"}
HOLE = "\x00"  # stands for an f-string placeholder: never part of a name

CYPHER = re.compile(r"\b(MATCH|MERGE|CREATE|RETURN|UNWIND|WHERE|DETACH DELETE|CALL|YIELD)\b")
PATTERN = re.compile(r"\(\w*:[A-Z]\w*[\s):{]|\[\w*:[A-Z][A-Z0-9_]*[\s\]|*{]")
NOT_CYPHER = re.compile(r"\b(SELECT|INSERT INTO|CREATE TABLE|ALTER TABLE|UPDATE \w+ SET)\b")
QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`")
COMMENT = re.compile(r"//[^\n]*")
NAME = r"[A-Za-z_]\w*"
TERM = rf"(?:{NAME}|{HOLE})"  # a name, or a placeholder standing for a checked one
REL = re.compile(rf"\[\s*({NAME})?\s*:\s*({TERM}(?:\s*\|\s*:?\s*{TERM})*)([^\]]*)\]")
NODE = re.compile(rf"\(\s*({NAME})?\s*((?:\s*:\s*{TERM})+)\s*(\{{[^{{}}]*\}})?")
LABEL_TEST = re.compile(rf"(?<![\w$.])({NAME})((?::[A-Z]\w*)+)")
MAP_KEY = re.compile(rf"({NAME})\s*:")
ACCESS = re.compile(rf"(?<![\w$.{HOLE}])({NAME})\.({NAME})\b(?!\s*\()")
INTERNAL_ID = re.compile(r"(?<![\w.])(id|elementId)\s*\(", re.IGNORECASE)
UNWIND_PARAM = re.compile(rf"\bUNWIND\s+\$\w+\s+AS\s+({NAME})")
# names that are deliberately outside the ontology, with the reason
OUTSIDE = {
    ("graph/falkor.py", "Tianji_init"),  # a node created and deleted at once, to create an empty graph
}
NAMESPACES = {"algo", "db", "apoc", "gds", "dbms", "point", "date", "datetime", "duration", "vecf32"}


@dataclass
class Terms:
    """What one Cypher string names: (term, line) pairs, and properties with the owners seen."""

    labels: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    properties: set[tuple[frozenset[str], str]] = field(default_factory=set)  # (owners, name)
    internal_ids: bool = False  # id(n) / elementId(n): differ between backends (integers on FalkorDB only)


def literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal that is not a docstring or a bare string statement;
    f-strings joined with a placeholder for each ``{…}``."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.JoinedStr):
            skip.add(id(node.value))
        if isinstance(node, ast.JoinedStr):
            for part in ast.walk(node):
                if part is not node:
                    skip.add(id(part))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else HOLE
                for part in node.values
            )
            yield node.lineno, text


def is_cypher(text: str) -> bool:
    return bool((CYPHER.search(text) or PATTERN.search(text)) and not NOT_CYPHER.search(text))


def _names(expression: str) -> list[str]:
    return [name for name in re.split(r"[\s:|]+", expression) if name and name != HOLE]


def extract(text: str) -> Terms:
    """Labels, types and properties named in one Cypher string."""
    terms = Terms()
    text = COMMENT.sub("", QUOTED.sub("''", text))
    terms.internal_ids = bool(INTERNAL_ID.search(text))
    owners: dict[str, set[str]] = {}
    maps: list[tuple[set[str], str]] = []

    def blank(match: re.Match[str]) -> str:
        return " " * len(match.group(0))

    for match in REL.finditer(text):
        var, types, rest = match.group(1), _names(match.group(2)), match.group(3)
        terms.types.update(types)
        if var:
            owners.setdefault(var, set()).update(types)
        if "{" in rest:
            maps.append((set(types), rest[rest.index("{") :]))
    text = REL.sub(blank, text)
    for match in NODE.finditer(text):
        var, labels, props = match.group(1), _names(match.group(2)), match.group(3)
        terms.labels.update(labels)
        if var:
            owners.setdefault(var, set()).update(labels)
        if props:
            maps.append((set(labels), props))
    text = NODE.sub(blank, text)
    for match in LABEL_TEST.finditer(text):
        terms.labels.update(_names(match.group(2)))
    unwound = set(UNWIND_PARAM.findall(text))
    for owner_labels, body in maps:
        for key in MAP_KEY.findall(body):
            terms.properties.add((frozenset(owner_labels), key))
    for var, prop in ACCESS.findall(text):
        if var in NAMESPACES or var in unwound:
            continue
        terms.properties.add((frozenset(owners.get(var, ())), prop))
    return terms


def package_files(root: Path = ROOT) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if not any(part in SKIP_DIRS or part.startswith(".") for part in parts[:-1]):
            yield path


@dataclass
class Found:
    where: str
    terms: Terms


def scan(root: Path = ROOT) -> list[Found]:
    found = []
    for path in package_files(root):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, text in literals(tree):
            if is_cypher(text):
                found.append(Found(f"{path.relative_to(root)}:{line}", extract(text)))
    return found


def violations(found: list[Found], onto: Ontology) -> list[str]:
    everywhere = {p for n in onto.nodes.values() for p in n.properties} | {
        p for r in onto.relationships.values() for p in r.properties
    }

    def defined(owners: frozenset[str], prop: str) -> bool:
        found = [onto.nodes.get(o) or onto.relationships.get(o) for o in owners]
        known = [k for k in found if k is not None]
        if not known:
            return prop in everywhere
        return any(prop in k.properties for k in known)

    out = []
    for item in found:
        path = item.where.split(":")[0]
        for label in sorted(item.terms.labels - set(onto.nodes)):
            if (path, label) in OUTSIDE:
                continue
            out.append(f"{item.where}: unknown label {label}")
        for rtype in sorted(item.terms.types - set(onto.relationships)):
            out.append(f"{item.where}: unknown relationship type {rtype}")
        for owners, prop in sorted(item.terms.properties, key=lambda p: (sorted(p[0]), p[1])):
            if not defined(owners, prop):
                on = "/".join(sorted(owners)) or "any node or relationship type"
                out.append(f"{item.where}: property {prop!r} is not defined on {on}")
    return out


@pytest.fixture(scope="module")
def found() -> list[Found]:
    return scan()


def test_cypher_names_only_what_the_ontology_defines(found: list[Found]) -> None:
    problems = violations(found, get_ontology())
    assert not problems, "Cypher names what the ontology does not define:\n" + "\n".join(problems)


#: the backends' own dialects (``GraphStore.match_element`` and its overrides): each writes the seek by
#: internal id its engine understands, and the rest of the code base asks them for it
DIALECTS = ("graph/store.py", "graph/falkor.py", "graph/neo4j_store.py")


def test_no_cypher_relies_on_internal_ids(found: list[Found]) -> None:
    """Nodes are found by label and ``id`` property: internal ids are integers on FalkorDB and element
    id strings on Neo4j, so a query filtering on them outside a backend's dialect works on one only."""
    relying = [f.where for f in found if f.terms.internal_ids]
    assert [where for where in relying if not where.startswith(DIALECTS)] == []
    assert relying, "the backends' seeks by element id are no longer found: the scan misses them"


def test_the_scan_reads_the_code_base(found: list[Found]) -> None:
    labels = set().union(*(f.terms.labels for f in found))
    types = set().union(*(f.terms.types for f in found))
    props = {p for f in found for _, p in f.terms.properties}
    assert len(found) > 150
    assert len(labels) > 15 and len(types) > 15 and len(props) > 40
    where = {f.where.split(":")[0] for f in found if "Declaration" in f.terms.labels}
    assert {"algorithms/relations.py", "algorithms/timeline.py", "alerts/patterns.py"} <= where
    assert any("CONSIGNEE" in f.terms.types for f in found if f.where.startswith("algorithms/relations.py"))


def test_extracts_labels_types_and_owned_properties() -> None:
    terms = extract(
        "MATCH (e:Enterprise {id: $id})<-[r:CONSIGNEE|:DECLARING_AGENT {run_id: $run}]-(d:Declaration) "
        "OPTIONAL MATCH (i:Inspection)-[:INSPECTION_OF*1..2]->(d) WHERE NOT d:Case:Tag "
        "AND d.value_usd > $row.min RETURN {total: sum(d.value_usd), n: count(i)} AS out, "
        "coalesce(i.outcome, 'a.b (x:Ghost)') AS o, algo.pageRank(e) // e.ghost"
    )
    assert terms.labels == {"Enterprise", "Declaration", "Inspection", "Case", "Tag"}
    assert terms.types == {"CONSIGNEE", "DECLARING_AGENT", "INSPECTION_OF"}
    assert terms.properties == {
        (frozenset({"Enterprise"}), "id"),
        (frozenset({"CONSIGNEE", "DECLARING_AGENT"}), "run_id"),
        (frozenset({"Declaration"}), "value_usd"),
        (frozenset({"Inspection"}), "outcome"),
    }


def test_unknown_names_and_unbound_variables() -> None:
    terms = extract(
        "UNWIND $rows AS row MATCH (x)-[:OWNS]->(y:Ghost {wingspan: row.wingspan}) SET x.salary = 1"
    )
    assert terms.labels == {"Ghost"} and terms.types == {"OWNS"} and not terms.internal_ids
    assert extract("MATCH (s) WHERE id(s) IN $ids RETURN s").internal_ids
    assert terms.properties == {(frozenset({"Ghost"}), "wingspan"), (frozenset(), "salary")}
    found = [Found("sample.py:1", terms)]
    assert violations(found, get_ontology()) == [
        "sample.py:1: unknown label Ghost",
        "sample.py:1: unknown relationship type OWNS",
        "sample.py:1: property 'salary' is not defined on any node or relationship type",
        "sample.py:1: property 'wingspan' is not defined on Ghost",
    ]


def test_f_strings_are_joined_and_placeholders_name_nothing(tmp_path: Path) -> None:
    source = (
        "label = 'X'\n"
        "q = (f'MATCH (n:{label} {{id: $id}}) WHERE {label}.x = 1 '\n"
        "     'RETURN n.caption_zh')\n"
        "'''MATCH (d:Docstring) is a bare string, not code'''\n"
        "msg = 'Label (see: Foo) is prose'\n"
    )
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(source, encoding="utf-8")
    found = scan(tmp_path)
    assert [f.where for f in found] == ["pkg/m.py:2"]
    assert found[0].terms.labels == set() and found[0].terms.types == set()
    assert found[0].terms.properties == {(frozenset(), "id"), (frozenset(), "caption_zh")}
