"""Where a mapping's value comes from and what is done to it: one column, a derivation over several
columns, a constant, or the columns kept as model features; then the conversions of
``ingest.conversions`` and, for an enterprise identifier, the check of the scheme the mapping names."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingest import conversions, keys
from ingest.conversions import Conversion
from ontology.types import SCHEMES, FloatType, scheme_type


def _hs_heading(value: str) -> str:
    return str(value)[:4]


def _upper(value: str) -> str:
    return str(value).upper()


#: functions a mapping may use to derive an id from one or more columns
DERIVATIONS: dict[str, Callable[..., str]] = {
    "mention_id": keys.mention_id,
    "address_id": keys.address_id,
    "account_id": keys.account_id,
    "hash_id_number": keys.hash_id_number,
    "phone_id": keys.phone_id,
    "hs_heading": _hs_heading,
    "upper": _upper,
}
#: derivations keyed with the hash secret (they take it as ``secret=``)
KEYED = {"account_id", "hash_id_number", "phone_id"}


class ValueSpec(BaseModel):
    """Where a value comes from (one column, a derivation over several columns, or a constant) and what the
    mapping does to it before the ontology's value type cleans it (``ingest.conversions``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    column: str | None = None
    columns: list[str] = Field(default_factory=list)
    derive: str | None = None
    value: str | None = None  # a constant
    remove: str | None = None  # a regular expression: what matches is removed
    upper: bool = False
    pad: int | None = Field(None, ge=1, le=64)  # left-padded with zeros to this width
    value_map: dict[str, str | None] | None = Field(None, alias="map")  # source value → stored value
    otherwise: str | None = None  # stored when the value is not in ``map`` (else the row is refused)
    pattern: str | None = None  # the source's own shape, a regular expression the value must match
    format: str | None = None  # a date's format (strptime), e.g. "%d/%m/%Y"
    percent: bool = False  # a percentage into a fraction
    multiply: float | None = None  # a unit conversion factor
    convert: Conversion | None = None  # an amount into the base currency
    scheme: str | None = None  # an enterprise identifier's scheme (cn_uscc, eu_eori, national)
    features: dict[str, FeatureSpec] = Field(default_factory=dict)  # columns kept as model features

    @field_validator("features", mode="before")
    @classmethod
    def _feature_specs(cls, value: dict[str, Any] | None) -> dict[str, Any]:
        return {k: spec_of(v) for k, v in (value or {}).items()}

    @model_validator(mode="after")
    def _one_source(self) -> ValueSpec:
        sources = (self.column, self.columns or None, self.value, self.features or None)
        if sum(x is not None for x in sources) != 1:
            raise ValueError("give exactly one of column, columns or value")
        if self.columns and not self.derive:
            raise ValueError("columns need a derive function")
        if self.derive and self.derive not in DERIVATIONS:
            raise ValueError(f"unknown derive {self.derive!r}; known: {', '.join(sorted(DERIVATIONS))}")
        for name in ("remove", "pattern"):
            try:
                re.compile(getattr(self, name) or "")
            except re.error as exc:
                raise ValueError(f"{name}: not a regular expression: {exc}") from None
        if self.scheme is not None and self.scheme not in SCHEMES:
            raise ValueError(
                f"unknown identifier scheme {self.scheme!r}; known: {', '.join(sorted(SCHEMES))}"
            )
        return self

    @property
    def source_columns(self) -> list[str]:
        own = [self.column] if self.column else list(self.columns)
        for spec in self.features.values():
            own += spec.source_columns
        return own + (self.convert.columns if self.convert else [])

    def specs(self) -> list[ValueSpec]:
        """This spec and the ones it holds (the feature columns)."""
        return [self, *self.features.values()]

    def compile(self, secret: str | None = None) -> Callable[[dict[str, str]], Any]:
        """A function from a row to this value: built once, called for every row. ``secret`` keys the
        derivations of personal numbers (default: the configured hash secret). It raises ``ValueError``
        with the reason when a conversion or the identifier's scheme refuses the value."""
        extract = self._extractor(secret)
        pipeline = conversions.steps(
            remove=self.remove,
            upper=self.upper,
            pad=self.pad,
            value_map=self.value_map,
            otherwise=self.otherwise,
            pattern=self.pattern,
            date_format=self.format,
            percent=self.percent,
            multiply=self.multiply,
            convert=self.convert,
        )
        checker = scheme_type(self.scheme).clean if self.scheme else None
        if not pipeline and checker is None:
            return extract

        def converted(row: dict[str, str]) -> Any:
            value = conversions.apply(pipeline, extract(row), row)
            return checker(value) if checker is not None and value is not None else value

        return converted

    def _extractor(self, secret: str | None) -> Callable[[dict[str, str]], Any]:
        if self.features:
            return _features(self.features, secret)
        if self.value is not None:
            constant = self.value
            return lambda row: constant
        if self.column and not self.derive:
            column = self.column

            def one(row: dict[str, str]) -> str | None:
                value = row.get(column)
                return value if value and not value.isspace() else None

            return one
        columns, derive = self.source_columns, DERIVATIONS[self.derive or ""]
        if self.derive in KEYED:
            derive = functools.partial(derive, secret=secret)

        def derived(row: dict[str, str]) -> str | None:
            raw = [row.get(c) for c in columns]
            if raw[0] is None or not raw[0].strip():
                return None
            return derive(*[r.strip() if isinstance(r, str) else r for r in raw])

        return derived


class FeatureSpec(ValueSpec):
    """A source column kept as a model feature: ``categorical`` (a code, an id) or ``numeric`` (an amount)."""

    kind: Literal["categorical", "numeric"] = "categorical"


def _features(specs: dict[str, FeatureSpec], secret: str | None) -> Callable[[dict[str, str]], str | None]:
    """The feature columns of a row as one JSON object (name → text or number), or None if all are empty."""
    compiled = [(name, spec.compile(secret), spec.kind) for name, spec in specs.items()]
    number = FloatType()

    def features(row: dict[str, str]) -> str | None:
        out: dict[str, Any] = {}
        for name, extract, kind in compiled:
            value = extract(row)
            if value is None:
                continue
            try:
                out[name] = number.clean(value) if kind == "numeric" else str(value).strip()
            except ValueError as exc:
                raise ValueError(f"feature {name}: {exc}") from None
        return json.dumps(out, ensure_ascii=False, sort_keys=True) if out else None

    return features


def spec_of(value: Any) -> Any:
    """A column name alone is short for ``{column: name}``."""
    return {"column": value} if isinstance(value, str) else value


ValueSpec.model_rebuild()
