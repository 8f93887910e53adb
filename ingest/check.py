"""A dry run of a load: read every file the mappings name, validate every value, write nothing.

``check_dir`` reports, per mapping, how many rows would load and how many would be quarantined, the
columns the mapping names that the file lacks, and per column and reason how many rows a value refuses,
with a few example values: what an operator needs to fix a mapping before the first real load.
References to existing nodes are checked against the graph (read only) and against the rows of the files
checked before, as the load would see them.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graph.store import GraphStore
from ingest.columns import header
from ingest.loader import Loader, RowError
from ingest.mapping import Mapping, ValueSpec, load_mappings
from ingest.readers import BadRow, SourceError, read_rows
from ontology import Ontology
from tianji.core.settings import Settings

EXAMPLES = 3
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@dataclass
class Problem:
    """Rows whose value of ``column`` (for ``target``) is refused for one reason."""

    column: str
    target: str
    reason: str
    rows: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class FileCheck:
    mapping: str
    source: str
    rows: int = 0
    would_load: int = 0
    would_quarantine: int = 0
    missing_columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # per column: every refused value
    row_reasons: dict[str, int] = field(default_factory=dict)  # per row: the reason it would be quarantined
    error: str | None = None  # the file could not be read at all


def _template(reason: str) -> str:
    """A reason with its quoted values taken out, so that rows refused for the same cause count together."""
    return _QUOTED.sub("…", reason)


class _Checks:
    """Every value check of one mapping: (columns, target, extract, clean, required)."""

    def __init__(self, mapping: Mapping, ontology: Ontology, secret: str | None) -> None:
        self.items: list[tuple[str, str, Callable[[dict[str, str]], Any], Callable[[Any], Any], bool]] = []
        for node in mapping.nodes:
            spec = ontology.node(node.label)
            key = spec.id_from[0] if len(spec.id_from) == 1 and spec.id_from[0] != "id" else None
            direct = node.id.column is not None and node.id.derive is None
            self._add(node.id, f"{node.label} key", secret, spec.prop(key).clean if key and direct else None)
            for name, vspec in node.properties.items():
                prop = spec.prop(name)
                self._add(vspec, f"{node.label}.{name}", secret, prop.clean, prop.required)
        for rel in mapping.relationships:
            for end in (rel.start, rel.end):
                if end.id is not None and end.label is not None:
                    self._add(end.id, f"{rel.type} → {end.label}", secret, None)

    def _add(
        self,
        spec: ValueSpec,
        target: str,
        secret: str | None,
        clean: Callable[[Any], Any] | None,
        required: bool = False,
    ) -> None:
        columns = ", ".join(spec.source_columns) or "(constant)"
        self.items.append((columns, target, spec.compile(secret), clean or (lambda v: v), required))


def check_file(loader: Loader, path: Path, mapping: Mapping, *, examples: int = EXAMPLES) -> FileCheck:
    """What loading ``path`` with ``mapping`` would do; nothing is written."""
    result = FileCheck(mapping=str(mapping.path or mapping.source), source=path.name)
    checks = _Checks(mapping, loader.ontology, loader.settings.hash_secret)
    problems: dict[tuple[str, str, str], Problem] = {}
    reasons: Counter[str] = Counter()
    seen_columns: set[str] = set()
    rows = read_rows(path, fmt=mapping.format, encoding=mapping.encoding, delimiter=mapping.delimiter)
    try:
        for item in rows:
            result.rows += 1
            if isinstance(item, BadRow):
                reasons[_template(item.reason)] += 1
                continue
            seen_columns.update(item.values)
            for columns, target, extract, clean, required in checks.items:
                try:
                    value = clean(extract(item.values))
                    if value is None and required:
                        raise ValueError("empty, but required")
                except ValueError as exc:
                    reason = _template(str(exc))
                    problem = problems.setdefault((columns, target, reason), Problem(columns, target, reason))
                    problem.rows += 1
                    shown = " | ".join(item.values.get(c, "") for c in columns.split(", "))
                    if len(problem.examples) < examples and shown not in problem.examples:
                        problem.examples.append(shown)
            try:
                planned = loader.plan(mapping, item)
            except RowError as exc:
                reasons[_template(str(exc))] += 1
                continue
            result.would_load += 1
            for label, node_id, _ in planned.nodes:  # later rows and files may refer to these
                loader.known(label).add(node_id)
    except SourceError as exc:
        result.error = str(exc)
    result.would_quarantine = result.rows - result.would_load
    names = header(path, mapping)
    known_columns = set(names) if names is not None else seen_columns
    result.missing_columns = sorted(mapping.columns - known_columns) if known_columns else []
    result.problems = sorted(problems.values(), key=lambda p: -p.rows)
    result.row_reasons = dict(reasons.most_common())
    return result


def check_dir(
    store: GraphStore, settings: Settings, directory: Path, mappings: list[Mapping] | None = None
) -> list[FileCheck]:
    """Check every file of ``directory`` that a mapping names, in the mappings' order (read only)."""
    if not directory.is_dir():
        raise SourceError(f"{directory} is not a directory")
    mappings = mappings if mappings is not None else load_mappings(ontology=store.ontology)
    todo = [(directory / m.source, m) for m in mappings if (directory / m.source).exists()]
    if not todo:
        raise SourceError(
            f"{directory} holds none of the files the mappings name ({', '.join(m.source for m in mappings)})"
        )
    with tempfile.TemporaryDirectory(prefix="tianji-check-") as scratch:
        # the loader's run folder goes to a scratch directory that is removed: the check writes nothing
        dry = settings.model_copy(update={"data_dir": Path(scratch)})
        loader = Loader(store, dry, progress=False)
        return [check_file(loader, path, mapping) for path, mapping in todo]


def report(checks: list[FileCheck]) -> str:
    """The checks as text an operator reads: per mapping, then per column and reason."""
    lines: list[str] = []
    for c in checks:
        lines.append(
            f"{c.source} (mapping {c.mapping}): {c.rows:,} rows, {c.would_load:,} would load, "
            f"{c.would_quarantine:,} would be quarantined"
        )
        if c.error:
            lines.append(f"  cannot read: {c.error}")
        if c.missing_columns:
            lines.append(f"  columns the mapping names that the file lacks: {', '.join(c.missing_columns)}")
        for p in c.problems:
            lines.append(
                f"  column {p.column} → {p.target}: {p.rows:,} rows: {p.reason}"
                f" (e.g. {', '.join(repr(e) for e in p.examples)})"
            )
        for reason, n in list(c.row_reasons.items())[:10]:
            lines.append(f"  row refused ({n:,}): {reason}")
    return "\n".join(lines)


def as_dict(checks: list[FileCheck]) -> dict[str, Any]:
    return {
        "files": [asdict(c) for c in checks],
        "rows": sum(c.rows for c in checks),
        "would_load": sum(c.would_load for c in checks),
        "would_quarantine": sum(c.would_quarantine for c in checks),
    }
