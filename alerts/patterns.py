"""Pattern watches: a standing order on what is happening, not on who does it.

A pattern watch has no target node. It names a kind of declaration (HS prefixes, origins, ports, trade
modes, a consignee tag, a risk level, a consignee registered shortly before declaring, a value floor)
and/or a drawn ring (k enterprises sharing people, addresses, phones, accounts or vehicles, optionally
trading in a loop). Each scan reports the declarations ingested since the watermark that match the
declaration pattern, one alert per consignee, and the gangs detected since the watermark whose ring
matches the drawn one, one alert per gang.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from alerts.findings import Finding
from algorithms import rings
from graph.store import GraphStore

PATTERN = "Pattern"  # the target label of a pattern watch: a pseudo label, no node of the graph


class DeclarationPattern(BaseModel):
    """Criteria a new declaration must all meet (lists mean "any of")."""

    hs_prefixes: list[str] = Field(default_factory=list, description="HS code prefixes, 2-10 digits")
    origins: list[str] = Field(default_factory=list, description="ISO country codes of origin")
    ports: list[str] = Field(default_factory=list, description="customs port codes")
    trade_modes: list[str] = Field(default_factory=list)
    direction: str | None = Field(None, pattern="^(import|export)$")
    consignee_tags: list[str] = Field(default_factory=list, description="tag ids the consignee carries")
    min_risk_level: int | None = Field(None, ge=1, le=5, description="risk level of the declaration's score")
    consignee_registered_within_days: int | None = Field(
        None, ge=1, le=3650, description="consignee registered at most this many days before declaring"
    )
    min_value_usd: float | None = Field(None, ge=0)

    @field_validator("hs_prefixes")
    @classmethod
    def _hs(cls, value: list[str]) -> list[str]:
        for prefix in value:
            if not re.fullmatch(r"\d{2,10}", prefix):
                raise ValueError(f"HS prefix {prefix!r} must be 2-10 digits")
        return value

    @field_validator("origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"[A-Z]{2}", code):
                raise ValueError(f"origin {code!r} must be an ISO 3166 alpha-2 code such as 'VN'")
        return value

    @model_validator(mode="after")
    def _not_everything(self) -> DeclarationPattern:
        if not self.model_dump(exclude_none=True, exclude_defaults=True):
            raise ValueError(
                "a declaration pattern needs at least one criterion, or it matches every declaration"
            )
        return self


class RingPattern(rings.Pattern):
    """A drawn ring and how alike a newly detected gang must be to match it."""

    min_similarity: float = Field(0.9, gt=0, le=1)


class WatchPattern(BaseModel):
    declarations: DeclarationPattern | None = None
    ring: RingPattern | None = None

    @model_validator(mode="after")
    def _something(self) -> WatchPattern:
        if self.declarations is None and self.ring is None:
            raise ValueError("a pattern watch needs a declaration pattern, a ring pattern or both")
        if self.ring is not None:
            ring = self.ring
            if ring.enterprises > 2 and not ring.shared and not ring.trade_loop:
                raise ValueError(
                    "a ring with nothing shared and no loop matches every group: draw what ties them"
                )
            ring.graph()  # refuses kinds that cannot be shared
        return self

    def to_json(self) -> str:
        return json.dumps(self.model_dump(exclude_none=True), sort_keys=True, ensure_ascii=False)

    def key(self) -> str:
        return "pattern_" + hashlib.sha1(self.to_json().encode()).hexdigest()[:16]

    def describe(self) -> str:
        parts = []
        if (d := self.declarations) is not None:
            if d.hs_prefixes:
                parts.append("HS " + "/".join(d.hs_prefixes))
            if d.origins:
                parts.append("from " + "/".join(d.origins))
            if d.ports:
                parts.append("at " + "/".join(d.ports))
            if d.consignee_tags:
                parts.append("consignee tagged " + "/".join(d.consignee_tags))
            if d.min_risk_level:
                parts.append(f"risk ≥ {d.min_risk_level}")
            if d.consignee_registered_within_days:
                parts.append(f"consignee ≤ {d.consignee_registered_within_days} days old")
        if self.ring is not None:
            shared = ", ".join(f"{n} {k}" for k, n in self.ring.shared.items())
            parts.append(f"ring of {self.ring.enterprises} sharing {shared or 'nothing'}")
        return "模式 Pattern: " + "; ".join(parts)


def load(watch: dict[str, Any]) -> WatchPattern:
    return WatchPattern.model_validate_json(watch["pattern"])


def matching_declarations(store: GraphStore, pattern: DeclarationPattern, since: str) -> list[dict[str, Any]]:
    """Declarations ingested after ``since`` that meet every criterion, with their consignee."""
    rows = store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(e:Enterprise) WHERE d.ingested_at > $since "
        "AND (size($hs) = 0 OR any(p IN $hs WHERE d.hs_code STARTS WITH p)) "
        "AND (size($origins) = 0 OR d.origin IN $origins) "
        "AND (size($ports) = 0 OR d.port IN $ports) "
        "AND (size($modes) = 0 OR d.trade_mode IN $modes) "
        "AND ($direction IS NULL OR d.direction = $direction) "
        "AND ($min_value IS NULL OR d.value_usd >= $min_value) "
        "OPTIONAL MATCH (e)-[h:HAS_TAG]->(t:Tag) WHERE t.id IN $tags AND h.ended_at IS NULL "
        "WITH d, e, collect(DISTINCT t.id) AS tags "
        "WHERE size($tags) = 0 OR size(tags) > 0 "
        "OPTIONAL MATCH (r:RiskScore)-[:SCORED]->(d) "
        "WITH d, e, tags, max(r.level) AS level "
        "WHERE $min_level IS NULL OR level >= $min_level "
        "RETURN d.id AS id, d.date AS date, d.port AS port, d.hs_code AS hs, e.id AS enterprise, "
        "e.name AS name, e.registered_on AS registered_on, tags, level ORDER BY d.id",
        {
            "since": since,
            "hs": pattern.hs_prefixes,
            "origins": pattern.origins,
            "ports": pattern.ports,
            "modes": pattern.trade_modes,
            "direction": pattern.direction,
            "min_value": pattern.min_value_usd,
            "tags": pattern.consignee_tags,
            "min_level": pattern.min_risk_level,
        },
        read_only=True,
    )
    days = pattern.consignee_registered_within_days
    if days is None:
        return rows
    return [row for row in rows if _young(row.get("registered_on"), row.get("date"), days)]


def _young(registered_on: Any, declared_on: Any, days: int) -> bool:
    try:
        age = dt.date.fromisoformat(str(declared_on)[:10]) - dt.date.fromisoformat(str(registered_on)[:10])
    except ValueError:
        return False  # unknown registration date: not evidence of a young company
    return dt.timedelta(0) <= age <= dt.timedelta(days=days)


def new_matching_gangs(
    store: GraphStore, pattern: RingPattern, since: str
) -> list[tuple[rings.RingMatch, str]]:
    """Active gangs detected after ``since`` whose ring matches the drawn one."""
    rows = store.query(
        "MATCH (m:Enterprise)-[:MEMBER_OF]->(g:Gang) WHERE coalesce(g.first_detected_at, g.computed_at) > $since "
        "AND coalesce(g.status, 'active') = 'active' RETURN g.id AS gang, collect(m.id) AS members",
        {"since": since},
        read_only=True,
    )
    exact, features = rings.signature(pattern.graph())
    found = []
    for row in rows:
        members = sorted(row["members"])
        sig = rings.signature(rings.ring(store, members))
        match = rings.RingMatch(
            row["gang"], sig[0] == exact, round(rings.cosine(features, sig[1]), 4), len(members)
        )
        if match.exact or match.similarity >= pattern.min_similarity:
            found.append((match, row["gang"]))
    return found


def pattern_match(store: GraphStore, watch: dict[str, Any], since: str) -> list[Finding]:
    """Findings of a pattern watch: one per consignee with matching declarations, one per matching new gang."""
    pattern = load(watch)
    findings: dict[str, Finding] = {}
    if pattern.declarations is not None:
        for row in matching_declarations(store, pattern.declarations, since):
            level = int(row.get("level") or 0)
            finding = findings.setdefault(
                f"pattern:{row['enterprise']}",
                Finding(
                    "pattern_match",
                    f"pattern:{row['enterprise']}",
                    3,
                    f"模式命中 Pattern matched by {row['name'] or row['enterprise']}",
                ),
            )
            finding.severity = max(finding.severity, min(level, 5))
            finding.add("Declaration", row["id"])
            finding.add("Enterprise", row["enterprise"])
            for tag in row.get("tags") or []:
                finding.add("Tag", tag)
    if pattern.ring is not None:
        for match, gang in new_matching_gangs(store, pattern.ring, since):
            how = "same structure" if match.exact else f"similarity {match.similarity:.2f}"
            finding = Finding(
                "pattern_match",
                f"ring:{gang}",
                4,
                f"团伙结构命中 New gang {gang} of {match.size} built like the drawn ring ({how})",
            )
            finding.add("Gang", gang)
            findings[finding.cause] = finding
    return list(findings.values())
