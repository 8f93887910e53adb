"""Watches: an officer's standing order to be told when something changes around a subject, a gang or a
pattern (see ``alerts.patterns``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from alerts.patterns import PATTERN, WatchPattern
from graph.store import GraphStore
from ingest.keys import stable_id
from ontology import get_ontology
from tianji.core.clock import graph_now

CONDITIONS = (
    "new_related_enterprise",
    "new_declaration",
    "new_port",
    "tag_level_reached",
    "fence_event",
    "companion_detected",
    "dark_rendezvous",
    "pattern_match",
)
DEFAULT_CONDITIONS = ("new_related_enterprise", "new_declaration", "new_port")
CHANNELS = ("email", "sms", "inapp")


def target_labels() -> list[str]:
    """What a watch may be put on: the ontology's watchable labels, and ``Pattern`` (a pattern watch)."""
    return [*get_ontology().watchable_labels(), PATTERN]


class WatchError(ValueError):
    """A watch that cannot be created or changed, with the reason."""


def now() -> str:
    return graph_now()


class WatchSpec(BaseModel):
    """What an officer asks for when putting a subject or gang under watch."""

    title: str = ""
    owner: str
    unit: str
    target_label: str = Field(description="a watchable label (Enterprise, Person, Gang…) or Pattern")
    target_id: str = ""
    pattern: WatchPattern | None = None
    conditions: list[str] | None = Field(
        None,  # filled in by _target: the subject's or the pattern's default
        description="default: new_related_enterprise, new_declaration, new_port; pattern_match for patterns",
    )
    channels: list[str] = Field(default_factory=lambda: ["inapp"])
    email: str = ""
    phone: str = ""
    min_severity: int = Field(1, ge=1, le=5)

    @field_validator("target_label")
    @classmethod
    def _target_label(cls, value: str) -> str:
        if value not in target_labels():
            raise ValueError(f"cannot watch a {value!r}; watchable: {', '.join(target_labels())}")
        return value

    @field_validator("conditions")
    @classmethod
    def _conditions(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("a watch needs at least one condition")
        for cond in value:
            name, _, arg = cond.partition(":")
            if name not in CONDITIONS:
                raise ValueError(f"unknown condition {cond!r}; known: {', '.join(CONDITIONS)}")
            if name == "tag_level_reached" and not re.fullmatch(r"[1-5]", arg):
                raise ValueError("tag_level_reached needs a level 1-5, e.g. 'tag_level_reached:4'")
        return value

    @model_validator(mode="after")
    def _target(self) -> WatchSpec:
        if self.target_label == PATTERN:
            if self.pattern is None:
                raise ValueError("a pattern watch needs a pattern (declarations and/or ring)")
            if self.conditions is None:
                self.conditions = ["pattern_match"]
            if self.conditions != ["pattern_match"]:
                raise ValueError("a pattern watch has one condition, pattern_match")
            self.target_id = self.pattern.key()
        else:
            if self.pattern is not None:
                raise ValueError(f"a pattern belongs on a Pattern watch, not on a {self.target_label} watch")
            if self.conditions is None:
                self.conditions = list(DEFAULT_CONDITIONS)
            if not self.target_id:
                raise ValueError(f"a {self.target_label} watch needs the target's id")
            if "pattern_match" in self.conditions:
                raise ValueError("pattern_match is the condition of pattern watches only")
        return self

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; known: {', '.join(CHANNELS)}")
        return value


def create_watch(store: GraphStore, spec: WatchSpec, *, since: str | None = None) -> dict[str, Any]:
    """Create (or update) the watch of ``spec.owner`` on the target; facts after ``since`` (default now) count as new."""
    target = None
    if spec.pattern is None:
        target = store.node(spec.target_label, spec.target_id)
        if target is None:
            raise WatchError(f"{spec.target_label} {spec.target_id!r} does not exist")
    if "email" in spec.channels and not spec.email:
        raise WatchError("the email channel needs an e-mail address")
    if "sms" in spec.channels and not spec.phone:
        raise WatchError("the sms channel needs a phone number")
    watch_id = stable_id("watch_", spec.owner, spec.target_label, spec.target_id)
    props = {
        **spec.model_dump(exclude={"pattern"}),
        "id": watch_id,
        "created_at": now(),
        "last_scanned_at": since or now(),
        "status": "active",
        "muted": False,
    }
    if spec.pattern is not None:
        props["pattern"] = spec.pattern.to_json()
        props["title"] = spec.title or spec.pattern.describe()
        store.merge_nodes("Watch", [props])
        return get_watch(store, watch_id)
    assert target is not None
    caption = store.ontology.node(spec.target_label).caption
    props["title"] = spec.title or f"{spec.target_label} {target['properties'].get(caption, spec.target_id)}"
    store.merge_nodes("Watch", [props])
    store.merge_relationships(
        "WATCHES", "Watch", spec.target_label, [{"start": watch_id, "end": spec.target_id}]
    )
    return get_watch(store, watch_id)


def get_watch(store: GraphStore, watch_id: str) -> dict[str, Any]:
    node = store.node("Watch", watch_id)
    if node is None:
        raise WatchError(f"watch {watch_id!r} does not exist")
    return node["properties"]


def list_watches(
    store: GraphStore, *, owner: str | None = None, unit: str | None = None, active_only: bool = True
) -> list[dict[str, Any]]:
    rows = store.query(
        "MATCH (w:Watch) WHERE ($owner IS NULL OR w.owner = $owner) AND ($unit IS NULL OR w.unit = $unit) "
        "AND (NOT $active OR w.status = 'active') RETURN w ORDER BY w.created_at",
        {"owner": owner, "unit": unit, "active": active_only},
        read_only=True,
    )
    return [r["w"]["properties"] for r in rows]


def tune_watch(
    store: GraphStore,
    watch_id: str,
    *,
    muted: bool | None = None,
    snoozed_until: str | None = None,
    min_severity: int | None = None,
    conditions: list[str] | None = None,
    retire: bool = False,
) -> dict[str, Any]:
    """Mute, snooze, raise the severity floor, change conditions or retire a watch."""
    current = get_watch(store, watch_id)
    changes: dict[str, Any] = {"id": watch_id}
    if muted is not None:
        changes["muted"] = muted
    if snoozed_until is not None:
        changes["snoozed_until"] = snoozed_until
    if min_severity is not None:
        if not 1 <= min_severity <= 5:
            raise WatchError("min_severity must be 1-5")
        changes["min_severity"] = min_severity
    if conditions is not None:
        fields = {k: current[k] for k in WatchSpec.model_fields if k in current and k != "pattern"}
        if current.get("pattern"):
            fields["pattern"] = WatchPattern.model_validate_json(current["pattern"])
        try:
            spec = WatchSpec(**{**fields, "conditions": conditions})
        except ValueError as exc:
            raise WatchError(str(exc)) from exc
        changes["conditions"] = spec.conditions
    if retire:
        changes["status"] = "retired"
    store.merge_nodes("Watch", [changes])
    return get_watch(store, watch_id)


def looking_back(watermark: str, overlap_s: int, floor: str | None = None) -> str:
    """The watermark moved back by the overlap, but never before ``floor`` (when the watch began): a fact
    written while the last scan ran (stamped just before its watermark, committed just after its queries)
    is still seen; repeats change no alert."""
    moment = dt.datetime.fromisoformat(watermark) - dt.timedelta(seconds=overlap_s)
    since = moment.isoformat(timespec="seconds")
    return max(since, floor) if floor else since


def delivery_paused(watch: dict[str, Any], at: str | None = None) -> bool:
    """Muted or snoozed watches still raise alerts (nothing is lost) but do not deliver them."""
    if watch.get("muted"):
        return True
    until = watch.get("snoozed_until")
    return bool(until and until > (at or now()))
