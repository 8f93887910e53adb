"""A gang's risk, explained: a scorecard (``gang_risk.yaml``) over what its members' own records say.

Each factor measures one kind of evidence as a value between 0 and 1 (the highest active tag level, the
share of members party to a case, the members' inspection hit rate, …); the risk is the sum of weight ×
value, so each factor's contribution is exact and the reasons add up to the score. The declaration model
reads the part drawn from the members' records alone (``GangRisk.record``: tags and cases). Being tied together is
what made the group a gang; it is not evidence against it, so a ring with nothing against it scores low.

``screen`` reads the facts once per gang; ``assess`` turns facts into a score with its reasons, so a
re-screening after tags change reads the graph again and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, model_validator

from algorithms.visibility import Viewer
from graph.store import GraphStore
from tianji.core.resources import package_path

#: the ontology's inspection outcome for a discrepancy found (Inspection.outcome: hit or clear; a source's own
#: codes are mapped to these in its mapping)
HIT = "hit"
TAGGED_LEVEL = 3  # a member counts as tagged when it holds an active tag of at least this level


@dataclass
class GangFacts:
    """What the graph says about a gang's member enterprises (and the gang's loops and controllers)."""

    members: int
    tag_level: int = 0
    top_tag: str | None = None
    tagged: int = 0
    in_case: int = 0
    inspections: int = 0
    hits: int = 0
    recovered_duty: float = 0.0
    trade_loops: int = 0
    ownership_loops: int = 0
    controllers: int = 0


@dataclass
class Measure:
    """A measurement and the words that say what it read."""

    raw: float
    detail_zh: str
    detail_en: str


def _tag_level(f: GangFacts, factor: Factor) -> Measure:
    tag = f" ({f.top_tag})" if f.top_tag else ""
    return Measure(f.tag_level, f"最高等级 {f.tag_level}{tag}", f"highest level {f.tag_level}{tag}")


def _share(count: int, members: int) -> float:
    return count / members if members else 0.0


def _tagged_share(f: GangFacts, factor: Factor) -> Measure:
    return Measure(
        _share(f.tagged, f.members),
        f"{f.tagged}/{f.members} 家成员",
        f"{f.tagged} of {f.members} members",
    )


def _case_share(f: GangFacts, factor: Factor) -> Measure:
    return Measure(
        _share(f.in_case, f.members),
        f"{f.in_case}/{f.members} 家成员涉案",
        f"{f.in_case} of {f.members} members party to a case",
    )


def _hit_rate(f: GangFacts, factor: Factor) -> Measure:
    rate = f.hits / (f.inspections + factor.prior) if f.inspections + factor.prior else 0.0
    return Measure(
        rate,
        f"查验 {f.inspections} 次，查获 {f.hits} 次",
        f"{f.hits} hits in {f.inspections} inspections",
    )


def _recovered_duty(f: GangFacts, factor: Factor) -> Measure:
    scaled = math.log10(1 + f.recovered_duty) / math.log10(1 + factor.full_at) * factor.full_at
    return Measure(scaled, f"追缴 {f.recovered_duty:,.0f}", f"{f.recovered_duty:,.0f} recovered")


def _loops(f: GangFacts, factor: Factor) -> Measure:
    kinds = (f.trade_loops > 0) + (f.ownership_loops > 0)
    return Measure(
        kinds,
        f"贸易闭环 {f.trade_loops}，持股闭环 {f.ownership_loops}",
        f"{f.trade_loops} trade and {f.ownership_loops} ownership loops",
    )


def _controllers(f: GangFacts, factor: Factor) -> Measure:
    return Measure(f.controllers, f"{f.controllers} 人", f"{f.controllers} people")


MEASURES: dict[str, Callable[[GangFacts, Factor], Measure]] = {
    "tag_level": _tag_level,
    "tagged_share": _tagged_share,
    "case_share": _case_share,
    "hit_rate": _hit_rate,
    "recovered_duty": _recovered_duty,
    "loops": _loops,
    "controllers": _controllers,
}


class Factor(BaseModel):
    code: str
    measure: str
    weight: float = Field(gt=0, le=1)
    full_at: float = Field(gt=0, description="the measurement at which the factor counts in full")
    prior: float = Field(0.0, ge=0, description="for rates: added to the denominator")
    feature: bool = Field(
        True,
        description="part of the risk the declaration model reads (Gang.record_risk); false for a factor "
        "read from inspection outcomes or from the gang's shape",
    )
    name_zh: str
    name_en: str

    @model_validator(mode="after")
    def _known(self) -> Factor:
        if self.measure not in MEASURES:
            raise ValueError(
                f"factor {self.code}: unknown measure {self.measure!r}; known: {sorted(MEASURES)}"
            )
        return self


class Scorecard(BaseModel):
    version: int
    factors: list[Factor]

    @model_validator(mode="after")
    def _weights_add_up(self) -> Scorecard:
        total = sum(f.weight for f in self.factors)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"gang risk weights add up to {total:.3f}, not 1")
        codes = [f.code for f in self.factors]
        if len(set(codes)) != len(codes):
            raise ValueError(f"gang risk factor codes repeat: {codes}")
        return self


@lru_cache(maxsize=4)
def load_scorecard(path: Path | None = None) -> Scorecard:
    path = path or package_path("algorithms", "gang_risk.yaml")
    return Scorecard.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass
class Reason:
    code: str
    name_zh: str
    name_en: str
    value: float
    weight: float
    contribution: float
    detail_zh: str
    detail_en: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class GangRisk:
    score: float
    reasons: list[Reason] = field(default_factory=list)
    #: the score from the members' records alone (the factors marked ``feature``: tags and cases), scaled to
    #: 0–1: what the declaration model reads as ``gang_risk``. It learns from inspection outcomes itself, as
    #: of each declaration's date (a gang's hit rate over all its declarations would tell it the answers of
    #: later ones), and the gang's shape is in its other features (in a gang, its size, ties)
    record: float = 0.0


def assess(facts: GangFacts, card: Scorecard | None = None) -> GangRisk:
    """The score and its reasons, the largest contribution first."""
    card = card or load_scorecard()
    reasons = []
    for factor in card.factors:
        measured = MEASURES[factor.measure](facts, factor)
        value = max(0.0, min(1.0, measured.raw / factor.full_at))
        reasons.append(
            Reason(
                factor.code,
                factor.name_zh,
                factor.name_en,
                round(value, 3),
                factor.weight,
                round(factor.weight * value, 4),
                measured.detail_zh,
                measured.detail_en,
            )
        )
    reasons.sort(key=lambda r: (-r.contribution, r.code))
    features = {f.code for f in card.factors if f.feature}
    feature_weight = sum(f.weight for f in card.factors if f.feature)
    record = sum(r.contribution for r in reasons if r.code in features)
    return GangRisk(
        round(sum(r.contribution for r in reasons), 3),
        reasons,
        round(record / feature_weight, 3) if feature_weight else 0.0,
    )


def facts(
    store: GraphStore,
    members: list[str],
    trade_loops: int = 0,
    ownership_loops: int = 0,
    controllers: int = 0,
) -> GangFacts:
    """The members' active tags, cases and inspections, read in one query. The risk is stored on the gang
    and shown to every unit, so only cases every unit may see count (a restricted case stays its unit's)."""
    anyone = Viewer.anyone(store.ontology)
    rows = store.query(
        f"MATCH (e:{store.label('Enterprise')}) WHERE e.id IN $ids "
        f"OPTIONAL MATCH (e)-[h:{store.rtype('HAS_TAG')}]->(t:{store.label('Tag')}) WHERE h.ended_at IS NULL "
        "WITH e, t ORDER BY t.level DESC "
        "WITH e, max(t.level) AS level, head(collect(t.name)) AS top "
        f"OPTIONAL MATCH (e)-[:{store.rtype('INVOLVED_IN')}]->(c:{store.label('Case')}) "
        f"WHERE {anyone.where_label('Case', 'c')} "
        "WITH e, level, top, count(DISTINCT c) AS cases "
        f"OPTIONAL MATCH (d:{store.label('Declaration')})-[:{store.rtype('CONSIGNEE')}]->(e) "
        f"OPTIONAL MATCH (i:{store.label('Inspection')})-[:{store.rtype('INSPECTION_OF')}]->(d) "
        "RETURN e.id AS id, level, top, cases, count(i) AS inspections, "
        "sum(CASE WHEN i.outcome = $hit THEN 1 ELSE 0 END) AS hits, "
        "sum(coalesce(i.recovered_duty, 0.0)) AS duty",
        {"ids": members, "hit": HIT, **anyone.params},
        read_only=True,
    )
    found = GangFacts(
        members=len(members),
        trade_loops=trade_loops,
        ownership_loops=ownership_loops,
        controllers=controllers,
    )
    for r in rows:
        level = int(r["level"] or 0)
        if level > found.tag_level:
            found.tag_level, found.top_tag = level, r["top"]
        found.tagged += level >= TAGGED_LEVEL
        found.in_case += bool(r["cases"])
        found.inspections += int(r["inspections"] or 0)
        found.hits += int(r["hits"] or 0)
        found.recovered_duty += float(r["duty"] or 0.0)
    return found
