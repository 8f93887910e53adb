"""Tag definitions and their declarative rules, validated before anything runs.

Three kinds of rule, none needing code:

- ``pattern``: the subject matches a path of relationships to other nodes (with conditions on them),
  e.g. layer I "enterprise with an anti-smuggling case", layer II "enterprise where a person from a
  criminal case holds office".
- ``propagate``: the subject is tied, through shared nodes (address, phone, account, vehicle), to a
  subject that holds another tag; the layer steps down.
- ``behaviour``: a named metric over the subject's declarations crosses a threshold (value volatility,
  new origin countries, dormancy).

Validation refuses a rule that does not parse, names an unknown label or relationship, forms a
propagation cycle, or (at dry run) would tag everything.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ontology import Ontology, OntologyError, get_ontology
from tianji.core.resources import package_path

HIERARCHY = package_path("ontology", "tags", "hierarchy.yaml")
LAYERS = ("I", "II", "III", "IV", "V")
METRICS = ("value_volatility", "new_origins", "dormancy_days")


class RuleError(ValueError):
    """A tag or rule that cannot be used, and why."""


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rel: list[str]
    dir: Literal["out", "in", "any"] = "out"
    to: str
    where: dict[str, str | int | float | bool] = Field(default_factory=dict)
    distinct_from_subject: bool = False

    @field_validator("where")
    @classmethod
    def _names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
                raise ValueError(f"condition on {key!r}: property names are lower_snake identifiers")
        return value


class PatternRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["pattern"]
    subject: str
    path: list[Step] = Field(min_length=1, max_length=4)


class PropagateRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["propagate"]
    from_tag: str
    subject: str
    via: list[str] = Field(min_length=1)
    layer_step: int = Field(1, ge=0, le=3)
    max_shared: int = Field(
        10,
        ge=2,
        description="a node tying more subjects than this, the tagged one included (a business park's "
        "address, a registered agent's phone), is generic and passes nothing on; each rule states its own "
        "in ontology/tags/*.yaml, with the reason in the tag's description",
    )


class BehaviourRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["behaviour"]
    subject: Literal["Enterprise"]
    metric: str
    threshold: float
    min_months: int = 3
    window_days: int = 90

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown metric {value!r}; known: {', '.join(METRICS)}")
        return value


Rule = Annotated[PatternRule | PropagateRule | BehaviourRule, Field(discriminator="kind")]


class TagDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[A-Z][A-Z0-9-]{1,40}$")
    category: str
    level: int = Field(ge=1, le=5)
    layer: str
    name_zh: str
    name_en: str
    description: str = ""
    owner: str = ""
    version: int = 1
    retired: bool = False
    rule: Rule

    @field_validator("layer")
    @classmethod
    def _layer(cls, value: str) -> str:
        if value not in LAYERS:
            raise ValueError(f"layer must be one of {', '.join(LAYERS)}")
        return value


class Hierarchy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    categories: dict[str, dict[str, str]]
    tags: list[TagDefinition]

    def tag(self, code: str) -> TagDefinition:
        for tag in self.tags:
            if tag.code == code:
                return tag
        raise RuleError(f"no tag {code!r}; tags: {', '.join(t.code for t in self.tags)}")

    def active(self) -> list[TagDefinition]:
        return [t for t in self.tags if not t.retired]


def check_tag(tag: TagDefinition, hierarchy: Hierarchy, ontology: Ontology | None = None) -> None:
    """Labels, relationship types and referenced tags must exist; categories must be known."""
    onto = ontology or get_ontology()
    if tag.category not in hierarchy.categories:
        raise RuleError(
            f"{tag.code}: unknown category {tag.category!r}; known: {', '.join(hierarchy.categories)}"
        )
    rule = tag.rule
    try:
        onto.check_label(rule.subject)
        if isinstance(rule, PatternRule):
            for step in rule.path:
                onto.check_types(step.rel)
                onto.check_label(step.to)
        elif isinstance(rule, PropagateRule):
            onto.check_types(rule.via)
            hierarchy.tag(rule.from_tag)
    except OntologyError as exc:
        raise RuleError(f"{tag.code}: {exc}") from None


def check_cycles(hierarchy: Hierarchy) -> None:
    """Propagation must not loop back on itself (A from B from A)."""
    depends = {t.code: t.rule.from_tag for t in hierarchy.active() if isinstance(t.rule, PropagateRule)}
    for start in depends:
        seen = [start]
        current = depends.get(start)
        while current is not None:
            if current in seen:
                raise RuleError("propagation cycle: " + " → ".join([*seen, current]))
            seen.append(current)
            current = depends.get(current)


def parse_tag(document: str | dict[str, Any], hierarchy: Hierarchy) -> TagDefinition:
    """A tag definition from YAML text or a dict, validated against the ontology and the hierarchy."""
    try:
        raw = yaml.safe_load(document) if isinstance(document, str) else document
        tag = TagDefinition.model_validate(raw)
    except yaml.YAMLError as exc:
        raise RuleError(f"the rule does not parse as YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise RuleError(f"invalid tag definition: {problems}") from None
    check_tag(tag, hierarchy)
    return tag


def load_hierarchy(path: Path = HIERARCHY) -> Hierarchy:
    try:
        hierarchy = Hierarchy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        raise RuleError(f"{path}: {exc}") from None
    codes = [t.code for t in hierarchy.tags]
    if len(codes) != len(set(codes)):
        raise RuleError(f"{path}: tag codes repeat")
    for tag in hierarchy.tags:
        check_tag(tag, hierarchy)
    check_cycles(hierarchy)
    return hierarchy
