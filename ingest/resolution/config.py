"""The probabilistic linker's configuration: one typed object whose full dump is the run's fingerprint.

A ``LinkageConfig`` names the fields compared (each with a kind that decides its comparison levels), the
blocking rules that propose candidate pairs, the thresholds on the match probability, and the guards that
keep a run linear (the largest block, the share of records above which a value is generic). Every figure
that changes a result is here, so ``fingerprint()`` changes whenever a result could.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FieldKind(StrEnum):
    """What a field holds; each kind has its own comparison levels (``ingest.resolution.comparisons``)."""

    name = "name"  # a person's or company's name: exact, same words reordered, Jaro-Winkler bands
    text = "text"  # an address or free text: exact, Jaro-Winkler bands, shared words
    date = "date"  # a date: exact, day and month transposed, one typo, within a month, within a year
    numeric = "numeric"  # a number: exact, absolute difference bands
    code = "code"  # a postcode, street number: exact, one edit
    phone = "phone"  # a phone number: exact, same last eight digits, one edit
    identifier = "identifier"  # an identity, passport or registration number: exact, one edit
    exact = "exact"  # a category (state, sex, country): equal or not


class FieldSpec(BaseModel):
    """One compared field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    kind: FieldKind
    term_frequency: bool | None = Field(
        None, description="weigh an exact agreement by how rare the value is (default: names and text)"
    )
    thresholds: tuple[float, ...] | None = Field(
        None, description="similarity bands (Jaro-Winkler for names and text, distances for numbers)"
    )
    normaliser: Literal["overseas", "chinese_enterprise", "vessel"] | None = Field(
        None, description="a name normaliser of ingest.resolution.normalize applied before comparing"
    )
    distinctive: bool | None = Field(
        None,
        description="a value shared by many records is generic and not counted (default: phone, "
        "identifier, text)",
    )
    optional: bool = Field(
        False,
        description="an input without this column compares it as missing (and says so in the notes); a "
        "required column that is absent is an input error",
    )

    @property
    def uses_tf(self) -> bool:
        if self.term_frequency is not None:
            return self.term_frequency
        return self.kind in (FieldKind.name, FieldKind.text)

    @property
    def checks_generic(self) -> bool:
        if self.distinctive is not None:
            return self.distinctive
        return self.kind in (FieldKind.phone, FieldKind.identifier, FieldKind.text)


class BlockKey(BaseModel):
    """A column, or its first ``prefix`` characters, as part of a blocking rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    prefix: int | None = Field(None, ge=1)


class LinkageConfig(BaseModel):
    """Everything the probabilistic linker needs; see docs/resolution.md for each figure's meaning."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id_field: str = "id"
    source_field: str | None = Field(None, description="for a two-file linkage: the column naming the file")
    fields: tuple[FieldSpec, ...]
    blocking: tuple[tuple[BlockKey, ...], ...] = Field(
        description="candidate pairs: records agreeing on every key of any one rule"
    )
    training: tuple[tuple[BlockKey, ...], ...] = Field(
        (), description="blocking rules for the EM passes (default: the blocking rules)"
    )
    strong_key: str | None = Field(None, description="a column that identifies a subject outright")
    accept: float = Field(0.95, gt=0, lt=1, description="match probability at which a pair merges")
    review: float = Field(0.6, gt=0, lt=1, description="match probability at which a pair is reviewed")
    possible: float = Field(
        0.2, gt=0, lt=1, description="match probability at which a pair is 'possibly the same' (never merges)"
    )
    max_cluster: int = Field(60, ge=2, description="no cluster grows past this many records")
    placeholder_above: int | None = Field(
        None,
        ge=2,
        description="a strong key value held by more records than this names no one subject (a source's "
        "placeholder): it is read as no key (default: max_cluster)",
    )
    far_names: float = Field(
        0.5,
        ge=0,
        le=1,
        description="two clusters whose names (every name field, words in any order) are less similar "
        "than this never join",
    )
    ambiguity_margin: float = Field(
        1.0,
        ge=0,
        description="a record without a strong key whose strong matches lead to subjects holding different "
        "strong keys joins the best of them only when its match weight leads the next by this many bits "
        "(2**margin times likelier); else none, and its pairs go to review",
    )
    max_block: int = Field(
        2_000, ge=2, description="a blocking key shared by more records proposes no pairs (it is too common)"
    )
    generic_share: float = Field(
        0.002, gt=0, le=1, description="a distinctive field's value held by more than this share of records"
    )
    generic_min: int = Field(25, ge=2, description="… and by more than this many records, is generic")
    prior: float | None = Field(
        None, gt=0, lt=1, description="probability that two random records match (default: estimated)"
    )
    prior_recall: float = Field(0.7, gt=0, le=1, description="assumed recall of the prior's estimate")
    u_max_pairs: int = Field(
        200_000, ge=1_000, description="random pairs sampled to estimate the u of the similarity levels"
    )
    subject_frequencies: bool = Field(
        True,
        description="count u and term frequencies over the subjects the strong key names, not over records "
        "(a subject's own duplicates are not commonness; ingest.resolution.frequencies)",
    )
    subject_min: int = Field(
        10,
        ge=2,
        description="… when at least this many subjects hold the strong key (45 pairs of different "
        "subjects, about as many as an EM pass needs); else over records",
    )
    key_pairs_m: bool = Field(
        True,
        description="estimate m from the pairs sharing the strong key (true matches, no labels needed) before "
        "the EM passes; a field no EM pass can estimate keeps this estimate",
    )
    key_pairs_pseudo: float = Field(
        20.0,
        ge=0,
        description="the starting m counts as this many pairs beside the strong key's pairs (a level no key "
        "pair fell in keeps a little of its starting m, never zero)",
    )
    em_iterations: int = Field(25, ge=1)
    seed: int = 1

    @model_validator(mode="after")
    def _consistent(self) -> LinkageConfig:
        if not self.fields:
            raise ValueError("a linkage compares at least one field")
        if not self.blocking:
            raise ValueError("a linkage needs at least one blocking rule")
        if not self.possible <= self.review <= self.accept:
            raise ValueError("thresholds must satisfy possible <= review <= accept")
        columns = [f.column for f in self.fields]
        if len(set(columns)) != len(columns):
            raise ValueError("each field is compared once")
        return self

    def columns(self) -> set[str]:
        """Every input column the configuration reads."""
        used = {self.id_field, *(f.column for f in self.fields)}
        used |= {k.column for rule in (*self.blocking, *self.training) for k in rule}
        for extra in (self.strong_key, self.source_field):
            if extra:
                used.add(extra)
        return used

    def required_columns(self) -> set[str]:
        """The input columns that must be present (every one but the optional fields')."""
        return self.columns() - {f.column for f in self.fields if f.optional}

    def fingerprint(self, extra: Any = None) -> str:
        """A digest of the whole configuration (and of ``extra``, e.g. the input), the checkpoint's key."""
        dump = json.dumps(
            {"config": self.model_dump(mode="json"), "extra": extra}, sort_keys=True, default=str
        )
        return hashlib.sha256(dump.encode()).hexdigest()[:16]


def keys(*columns: str) -> tuple[BlockKey, ...]:
    """A blocking rule from column names; ``"phone:7"`` takes the first seven characters."""
    out = []
    for column in columns:
        name, _, prefix = column.partition(":")
        out.append(BlockKey(column=name, prefix=int(prefix) if prefix else None))
    return tuple(out)


def person_config(*, id_field: str = "record_id", strong_key: str | None = None) -> LinkageConfig:
    """People across registrations, case files and driver records: name, phone, address (and the date of
    birth and identity number where a source has them)."""
    return LinkageConfig(
        id_field=id_field,
        fields=(
            FieldSpec(column="name", kind=FieldKind.name),
            FieldSpec(column="phone", kind=FieldKind.phone),
            FieldSpec(column="address", kind=FieldKind.text),
        ),
        blocking=(keys("name"), keys("phone"), keys("address"), keys("name:1", "phone:7")),
        strong_key=strong_key,
    )


def enterprise_config(*, id_field: str = "record_id", strong_key: str | None = "uscc") -> LinkageConfig:
    """Domestic enterprises across agencies' records: the registered name (unique within a registration
    authority, so an exact normalised name is strong evidence), the address (a business park's address is
    shared by its tenants: its rarity is counted over enterprises), and where a source has them the phone
    (a registration agent's phone is generic and set aside) and the legal representative's name; the USCC
    as strong key where known. The phone and the legal representative are optional: a register without
    them is compared on the rest. The EM pass blocks on the name alone: pairs sharing an address or a phone
    are mostly neighbours (a park's tenants, an agent's clients, a gang's shells), and EM over them learns
    "same building" for "same enterprise"; the name's own m comes from the pairs sharing a USCC."""
    return LinkageConfig(
        id_field=id_field,
        fields=(
            FieldSpec(column="name", kind=FieldKind.name, normaliser="chinese_enterprise"),
            FieldSpec(column="address", kind=FieldKind.text),
            FieldSpec(column="phone", kind=FieldKind.phone, optional=True),
            FieldSpec(column="legal_rep", kind=FieldKind.name, optional=True),
        ),
        blocking=(keys("name"), keys("address"), keys("name:2"), keys("phone")),
        training=(keys("name"),),
        strong_key=strong_key,
    )


def vehicle_config(*, id_field: str = "record_id", strong_key: str | None = "vin") -> LinkageConfig:
    """Vehicles across registry, insurance, traffic-police and gate records: a re-registered vehicle keeps
    its VIN (the strong key: two VINs are two vehicles, however alike; a fleet's VINs differ in one digit)
    and its engine number; without either, its owner, make, model and colour tie its plates together.
    The plate may be misread by a digit; the colour is weak evidence (many trucks are white)."""
    return LinkageConfig(
        id_field=id_field,
        fields=(
            FieldSpec(column="plate", kind=FieldKind.identifier),
            FieldSpec(column="engine_no", kind=FieldKind.exact, distinctive=True),
            FieldSpec(column="owner_uscc", kind=FieldKind.exact, term_frequency=True),
            FieldSpec(column="make", kind=FieldKind.exact),
            FieldSpec(column="model", kind=FieldKind.code),
            FieldSpec(column="colour", kind=FieldKind.exact),
        ),
        blocking=(keys("plate"), keys("engine_no"), keys("owner_uscc", "model", "colour")),
        strong_key=strong_key,
    )


def vessel_config(*, id_field: str = "record_id", strong_key: str | None = "imo") -> LinkageConfig:
    """Vessels across registry, port-call, AIS and manifest records: the IMO number (the strong key) stays
    with a ship through renaming and re-flagging; the MMSI changes with the flag and may later name
    another ship; the name is compared by similarity (sister ships have similar names), the flag is weak,
    and the type, year of build and gross tonnage tell sisters apart only with the rest."""
    return LinkageConfig(
        id_field=id_field,
        fields=(
            FieldSpec(column="mmsi", kind=FieldKind.exact, distinctive=True),
            FieldSpec(column="name", kind=FieldKind.name, normaliser="vessel"),
            FieldSpec(column="flag", kind=FieldKind.exact),
            FieldSpec(column="ship_type", kind=FieldKind.exact),
            FieldSpec(column="build_year", kind=FieldKind.numeric, thresholds=(1,)),
            FieldSpec(column="gross_tonnage", kind=FieldKind.numeric, thresholds=(100,)),
        ),
        blocking=(keys("mmsi"), keys("name"), keys("name:4", "build_year")),
        strong_key=strong_key,
        far_names=0.0,  # a renamed ship's clusters share no name: the IMO number holds them together
    )
