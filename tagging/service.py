"""The analysts' loop: edit, dry-run, apply and retire tags; every change versioned and logged.

Edited hierarchies live under ``<data_dir>/tags/`` (``hierarchy.yaml`` plus one numbered copy per
version); the shipped ``ontology/tags/hierarchy.yaml`` is the starting point. ``changes.jsonl`` records
who changed what, when, and what the change did.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from graph.store import GraphStore
from tagging.engine import Change, apply, apply_all, dry_run, now, write_definitions
from tagging.rules import (
    HIERARCHY,
    Hierarchy,
    RuleError,
    TagDefinition,
    check_cycles,
    load_hierarchy,
    parse_tag,
)
from tianji.core.settings import Settings


def hierarchy_file(settings: Settings) -> Path:
    return settings.data_dir / "tags" / "hierarchy.yaml"


def current_hierarchy(settings: Settings) -> Hierarchy:
    edited = hierarchy_file(settings)
    return load_hierarchy(edited if edited.exists() else HIERARCHY)


def _save(settings: Settings, hierarchy: Hierarchy, entry: dict[str, Any]) -> Hierarchy:
    hierarchy = hierarchy.model_copy(update={"version": hierarchy.version + 1})
    check_cycles(hierarchy)
    folder = hierarchy_file(settings).parent
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(hierarchy.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
    (folder / f"hierarchy.v{hierarchy.version}.yaml").write_text(text, encoding="utf-8")
    hierarchy_file(settings).write_text(text, encoding="utf-8")
    with (folder / "changes.jsonl").open("a", encoding="utf-8") as log:
        log.write(
            json.dumps({"at": now(), "hierarchy_version": hierarchy.version, **entry}, ensure_ascii=False)
            + "\n"
        )
    return hierarchy


def changes(settings: Settings, limit: int = 100) -> list[dict[str, Any]]:
    path = hierarchy_file(settings).parent / "changes.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[-limit:]]


def _with(hierarchy: Hierarchy, tag: TagDefinition) -> Hierarchy:
    tags = [t for t in hierarchy.tags if t.code != tag.code] + [tag]
    candidate = hierarchy.model_copy(update={"tags": tags})
    check_cycles(candidate)
    return candidate


def propose(
    store: GraphStore, settings: Settings, definition: str | dict[str, Any]
) -> tuple[TagDefinition, Change]:
    """Validate a new or edited tag and say what it would add and remove, writing nothing."""
    hierarchy = current_hierarchy(settings)
    tag = parse_tag(definition, hierarchy)
    _with(hierarchy, tag)
    return tag, dry_run(store, tag)


def save_and_apply(
    store: GraphStore, settings: Settings, definition: str | dict[str, Any], user: str
) -> Change:
    """Validate, version and apply a new or edited tag; the change is logged with the user."""
    hierarchy = current_hierarchy(settings)
    tag = parse_tag(definition, hierarchy)
    old = next((t for t in hierarchy.tags if t.code == tag.code), None)
    if old is not None:
        tag = tag.model_copy(update={"version": old.version + 1})
    hierarchy = _with(hierarchy, tag)
    change = apply_after_save(store, settings, hierarchy, tag, user, "edit" if old else "create", old)
    return change


def apply_after_save(
    store: GraphStore,
    settings: Settings,
    hierarchy: Hierarchy,
    tag: TagDefinition,
    user: str,
    action: str,
    old: TagDefinition | None,
) -> Change:
    write_definitions(store, hierarchy)
    change = apply(store, tag)
    _save(
        settings,
        hierarchy,
        {
            "user": user,
            "action": action,
            "code": tag.code,
            "before": old.model_dump(mode="json") if old else None,
            "after": tag.model_dump(mode="json"),
            "added": len(change.add),
            "removed": len(change.remove),
        },
    )
    return change


def retire(store: GraphStore, settings: Settings, code: str, user: str) -> Change:
    hierarchy = current_hierarchy(settings)
    old = hierarchy.tag(code)
    dependants = [t.code for t in hierarchy.active() if getattr(t.rule, "from_tag", None) == code]
    if dependants:
        raise RuleError(f"{code} cannot be retired while {', '.join(dependants)} propagate from it")
    tag = old.model_copy(update={"retired": True, "version": old.version + 1})
    return apply_after_save(store, settings, _with(hierarchy, tag), tag, user, "retire", old)


def retag_all(store: GraphStore, settings: Settings) -> list[Change]:
    return apply_all(store, current_hierarchy(settings))


def run_tagging(store: GraphStore, settings: Settings, world: Path) -> None:
    """Bootstrap step: write the tag definitions and tag the whole graph."""
    from rich.console import Console

    for change in retag_all(store, settings):
        Console().print(f"  {change.tag:<15} +{len(change.add)} -{len(change.remove)} ={change.keep}")


def subject_tags(
    store: GraphStore, label: str, node_id: str, *, include_ended: bool = False
) -> list[dict[str, Any]]:
    rows = store.query(
        f"MATCH (s:{store.label(label)} {{id: $id}})-[h:HAS_TAG]->(t:Tag) "
        "WHERE $all OR h.ended_at IS NULL RETURN t, h ORDER BY t.level DESC",
        {"id": node_id, "all": include_ended},
        read_only=True,
    )
    return [
        {
            **r["t"]["properties"],
            **{
                k: v
                for k, v in r["h"]["properties"].items()
                if k
                in (
                    "rule",
                    "rule_version",
                    "evidence",
                    "tagged_at",
                    "held_from",
                    "ended_at",
                    "layer_step",
                    "periods",
                )
            },
        }
        for r in rows
    ]
