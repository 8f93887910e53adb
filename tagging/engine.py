"""Running tag rules against the graph: evaluate, dry run, apply (write back with provenance), close.

``apply`` touches exactly the subjects whose tag changes: new matches get a ``HAS_TAG`` relationship
(rule, version, evidence paths, time); subjects that no longer match keep theirs with ``ended_at`` set,
so history stays; everything else is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.store import GraphStore
from graph.types import Plain
from tagging.behaviour import behaviour_matches
from tagging.dating import held_from
from tagging.rules import BehaviourRule, Hierarchy, PatternRule, PropagateRule, RuleError, Step, TagDefinition
from tianji.core.clock import graph_now

EVERYTHING_FRACTION = 0.5  # a rule matching more than this share of its subjects is refused
EVERYTHING_MIN = 20


def now() -> str:
    return graph_now()


def _arrow(store: GraphStore, step: Step, var: str) -> str:
    rels = "|".join(store.ontology.check_types(step.rel))
    pattern = {"out": f"-[:{rels}]->", "in": f"<-[:{rels}]-", "any": f"-[:{rels}]-"}[step.dir]
    return f"{pattern}({var}:{store.label(step.to)})"


def compile_pattern(rule: PatternRule, store: GraphStore) -> tuple[str, dict[str, Any]]:
    """A pattern rule as one parameterised query returning ``subject`` and its ``evidence`` paths."""
    match = f"MATCH (s:{store.label(rule.subject)})"
    conditions: list[str] = []
    params: dict[str, Any] = {}
    evidence = []
    for i, step in enumerate(rule.path, start=1):
        var = f"n{i}"
        match += _arrow(store, step, var)
        for key, value in step.where.items():
            params[f"{var}_{key}"] = value
            conditions.append(f"{var}.{store.prop(step.to, key)} = ${var}_{key}")
        if step.distinct_from_subject:
            conditions.append(f"{var} <> s")
        evidence.append(f"'{step.to}:' + {var}.id")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    path = " + ' > ' + ".join(evidence)
    return f"{match}{where} RETURN s.id AS subject, collect(DISTINCT {path}) AS evidence", params


def compile_propagate(rule: PropagateRule, store: GraphStore) -> tuple[str, dict[str, Any]]:
    label = store.label(rule.subject)
    via = "|".join(store.ontology.check_types(rule.via))  # only these two checked names are spliced below
    cypher = (
        f"MATCH (src:{label})-[h:HAS_TAG]->(:Tag {{id: $from}}) WHERE h.ended_at IS NULL "
        f"MATCH (src)-[:{via}]-(x) MATCH (x)-[:{via}]-(o:{label}) "
        # the subjects tied to x, src among them (a second MATCH may reach src again)
        "WITH src, x, count(DISTINCT o) AS sharing WHERE sharing <= $max_shared "
        f"MATCH (x)-[:{via}]-(s:{label}) WHERE s <> src "
        f"RETURN s.id AS subject, collect(DISTINCT labels(x)[0] + ':' + x.id + ' < {label}:' + src.id) AS evidence"
    )
    return cypher, {"from": rule.from_tag, "max_shared": rule.max_shared}


@dataclass
class Evaluation:
    tag: str
    matches: dict[str, list[str]] = field(default_factory=dict)  # subject id -> evidence paths
    population: int = 0


def evaluate(store: GraphStore, tag: TagDefinition, cache: dict[str, Any] | None = None) -> Evaluation:
    """The subjects the tag's rule matches now, with evidence; ``cache`` shares data between tags of one run."""
    rule = tag.rule
    result = Evaluation(tag.code, population=store.count(rule.subject))
    if isinstance(rule, PatternRule | PropagateRule):
        cypher, params = (
            compile_pattern(rule, store) if isinstance(rule, PatternRule) else compile_propagate(rule, store)
        )
        for row in store.query(cypher, params, read_only=True, timeout_ms=60_000):
            result.matches[row["subject"]] = sorted(row["evidence"])[:20]
    elif isinstance(rule, BehaviourRule):
        result.matches = behaviour_matches(store, rule, cache if cache is not None else {})
    if result.population >= EVERYTHING_MIN and len(result.matches) > EVERYTHING_FRACTION * result.population:
        raise RuleError(
            f"{tag.code} would tag {len(result.matches):,} of {result.population:,} "
            f"{rule.subject} subjects (more than {EVERYTHING_FRACTION:.0%}); narrow the rule"
        )
    return result


def current(store: GraphStore, tag: TagDefinition) -> dict[str, list[str]]:
    rows = store.query(
        f"MATCH (s:{store.label(tag.rule.subject)})-[h:HAS_TAG]->(:Tag {{id: $code}}) "
        "WHERE h.ended_at IS NULL RETURN s.id AS subject, h.evidence AS evidence",
        {"code": tag.code},
        read_only=True,
    )
    return {r["subject"]: list(r["evidence"] or []) for r in rows}


@dataclass
class Change:
    tag: str
    add: list[str]
    remove: list[str]
    keep: int

    def as_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "add": self.add, "remove": self.remove, "keep": self.keep}


def dry_run(store: GraphStore, tag: TagDefinition, cache: dict[str, Any] | None = None) -> Change:
    """What applying ``tag`` now would add and remove, without writing anything."""
    if tag.retired:
        return Change(tag.code, [], sorted(current(store, tag)), 0)
    wanted = evaluate(store, tag, cache).matches
    have = current(store, tag)
    return Change(
        tag.code,
        sorted(set(wanted) - set(have)),
        sorted(set(have) - set(wanted)),
        len(set(wanted) & set(have)),
    )


def write_definitions(store: GraphStore, hierarchy: Hierarchy) -> None:
    store.merge_nodes(
        "Tag",
        [
            {
                "id": t.code,
                "code": t.code,
                "name": t.name_zh,
                "name_en": t.name_en,
                "category": t.category,
                "level": t.level,
                "layer": t.layer,
                "description": t.description,
                "owner": t.owner,
                "version": t.version,
                "retired": t.retired,
                "source": "ontology/tags/hierarchy.yaml",
            }
            for t in hierarchy.tags
        ],
    )


def apply(
    store: GraphStore, tag: TagDefinition, *, at: str | None = None, cache: dict[str, Any] | None = None
) -> Change:
    """Write the tag's changes: open new HAS_TAG relationships, close the ones that no longer hold."""
    at = at or now()
    label = store.label(tag.rule.subject)
    wanted = {} if tag.retired else evaluate(store, tag, cache).matches
    have = current(store, tag)
    add = sorted(set(wanted) - set(have))
    remove = sorted(set(have) - set(wanted))
    layer_step = tag.rule.layer_step if isinstance(tag.rule, PropagateRule) else 0
    since = held_from(store, {s: wanted[s] for s in add})  # the evidence's own date, not the run's
    for start in range(0, len(add), 2000):
        rows = Plain([[s, wanted[s], since.get(s)] for s in add[start : start + 2000]])
        store.query(
            "MATCH (t:Tag {id: $code}) UNWIND $rows AS row "
            f"MATCH (s:{store.label(label)} {{id: row[0]}}) "
            "MERGE (s)-[h:HAS_TAG]->(t) SET h.tagged_at = $at, h.ended_at = null, h.rule = $rule, "
            "h.rule_version = $version, h.evidence = row[1], h.held_from = row[2], h.layer_step = $step, "
            "h.source = 'tagging', "
            "h.periods = coalesce(h.periods, []) + ['from ' + $at]",
            {
                "code": tag.code,
                "rows": rows,
                "at": at,
                "rule": f"{tag.code}:{tag.rule.kind}",
                "version": tag.version,
                "step": layer_step,
            },
        )
    if remove:
        store.query(
            "MATCH (t:Tag {id: $code}) UNWIND $ids AS sid "
            f"MATCH (s:{store.label(label)} {{id: sid}})-[h:HAS_TAG]->(t) "
            "WHERE h.ended_at IS NULL SET h.ended_at = $at, h.periods = coalesce(h.periods, []) + ['until ' + $at]",
            {"code": tag.code, "ids": remove, "at": at},
        )
    return Change(tag.code, add, remove, len(set(wanted) & set(have)))


def order(hierarchy: Hierarchy) -> list[TagDefinition]:
    """Tags in dependency order: a propagated tag after the tag it propagates from."""
    done: list[TagDefinition] = []
    pending = list(hierarchy.tags)
    while pending:
        progressed = False
        for tag in list(pending):
            source = tag.rule.from_tag if isinstance(tag.rule, PropagateRule) else None
            if source is None or source in {t.code for t in done}:
                done.append(tag)
                pending.remove(tag)
                progressed = True
        if not progressed:
            raise RuleError("tags depend on each other in a cycle: " + ", ".join(t.code for t in pending))
    return done


def apply_all(store: GraphStore, hierarchy: Hierarchy) -> list[Change]:
    write_definitions(store, hierarchy)
    at = now()
    cache: dict[str, Any] = {}
    return [apply(store, tag, at=at, cache=cache) for tag in order(hierarchy)]
