"""What a mapping does to a value between the source column and the ontology's value type, with no code:
pattern cleaning (``remove``, ``upper``, ``pad``, ``pattern``), value maps (``map`` with ``otherwise``),
date formats (``format``), percent to fraction and scale factors (``percent``, ``multiply``), and currency
conversion into the base currency (``convert``: a rate table file beside the mapping, or a rate column).

Each step raises ``ValueError`` with the value and what was expected; the loader quarantines the row with
that reason and the column's name.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator

from ontology.types import FloatType, value_type

BASE_CURRENCY = "USD"  # the currency of value_usd, customs_value and taxes: what conversions produce
_FLOAT = FloatType()
_CURRENCY = value_type("currency")

Step = Callable[[Any, dict[str, str]], Any]


class Conversion(BaseModel):
    """An amount in the source's currency → the base currency: amount × rate, where the rate (base units per
    unit of the source currency) comes from a rate table file or from a column of the row."""

    model_config = ConfigDict(extra="forbid")
    currency: str | None = None  # every row's amounts are in this currency
    currency_column: str | None = None  # or each row says its currency
    rates: str | None = None  # CSV beside the mapping: currency, rate[, valid_from]
    rate_column: str | None = None  # or the row's own rate into the base currency
    date_column: str | None = None  # with dated rates, the row's date that picks the rate
    date_format: str | None = None
    _table: dict[str, list[tuple[str, float]]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _sources(self) -> Conversion:
        if self.rate_column is None and (self.currency is None) == (self.currency_column is None):
            raise ValueError("convert: give the currency (currency or currency_column) or a rate_column")
        if (self.rates is None) == (self.rate_column is None):
            raise ValueError("convert: give exactly one of rates (a rate table file) or rate_column")
        if self.currency is not None:
            self.currency = _CURRENCY.clean(self.currency)
        return self

    @property
    def columns(self) -> list[str]:
        return [c for c in (self.currency_column, self.rate_column, self.date_column) if c]

    def bind(self, folder: Path) -> None:
        """Read the rate table (relative to the mapping's folder)."""
        if self.rates is None:
            return
        path = folder / self.rates
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except OSError as exc:
            raise ValueError(f"convert: cannot read the rate table {path}: {exc.strerror or exc}") from None
        table: dict[str, list[tuple[str, float]]] = {}
        for line, row in enumerate(rows, start=2):
            try:
                currency = _CURRENCY.clean(row.get("currency"))
                rate = _FLOAT.clean(row.get("rate"))
                since = value_type("date").clean(row.get("valid_from")) or ""
            except ValueError as exc:
                raise ValueError(f"convert: rate table {path}, line {line}: {exc}") from None
            if currency is None or rate is None:
                raise ValueError(f"convert: rate table {path}, line {line}: needs currency and rate")
            table.setdefault(currency, []).append((since, rate))
        self._table = {c: sorted(v) for c, v in table.items()}

    def rate(self, row: dict[str, str]) -> float:
        if self.rate_column is not None:
            rate = _FLOAT.clean(row.get(self.rate_column))
            if rate is None:
                raise ValueError(f"no exchange rate in column {self.rate_column}")
            return rate
        currency = self.currency or _CURRENCY.clean(row.get(self.currency_column or ""))
        if currency is None:
            raise ValueError(f"no currency in column {self.currency_column}")
        if currency == BASE_CURRENCY:
            return 1.0
        dated = self._table.get(currency)
        if not dated:
            raise ValueError(f"no exchange rate for {currency} in {self.rates}")
        if self.date_column is None:
            return dated[-1][1]
        day = parse_date(row.get(self.date_column), self.date_format) or ""
        valid = [rate for since, rate in dated if since <= day]
        if not valid:
            raise ValueError(f"no exchange rate for {currency} on {day} in {self.rates}")
        return valid[-1]


def parse_date(value: Any, fmt: str | None) -> str | None:
    """ISO text of a date written in ``fmt`` (strptime), or as the date type reads it when no format."""
    if value is None or not str(value).strip():
        return None
    if fmt is None:
        return value_type("date").clean(value)
    try:
        return dt.datetime.strptime(str(value).strip(), fmt).date().isoformat()
    except ValueError:
        raise ValueError(f"not a date in the format {fmt}: {value!r}") from None


def _number(value: Any) -> float:
    number = _FLOAT.clean(value)
    if number is None:
        raise ValueError(f"not a number: {value!r}")
    return number


def steps(
    *,
    remove: str | None,
    upper: bool,
    pad: int | None,
    value_map: dict[str, str | None] | None,
    otherwise: str | None,
    pattern: str | None,
    date_format: str | None,
    percent: bool,
    multiply: float | None,
    convert: Conversion | None,
) -> list[Step]:
    """The mapping's conversions of one value, in the order they apply."""
    out: list[Step] = []
    if remove is not None:
        removed = re.compile(remove)
        out.append(lambda v, row: removed.sub("", str(v)) or None)
    if upper:
        out.append(lambda v, row: str(v).upper())
    if pad is not None:
        width = pad
        out.append(lambda v, row: str(v).strip().zfill(width))
    if value_map is not None:
        table = {str(k).strip(): v for k, v in value_map.items()}

        def mapped(v: Any, row: dict[str, str]) -> Any:
            key = str(v).strip()
            if key in table:
                return table[key]
            if otherwise is not None:
                return otherwise
            raise ValueError(f"{v!r} is not one of the mapped values ({', '.join(sorted(table))})")

        out.append(mapped)
    if pattern is not None:
        shape = re.compile(pattern)

        def shaped(v: Any, row: dict[str, str]) -> Any:
            if not shape.fullmatch(str(v).strip()):
                raise ValueError(f"{v!r} does not have this source's shape ({pattern})")
            return v

        out.append(shaped)
    if date_format is not None:
        fmt = date_format
        out.append(lambda v, row: parse_date(v, fmt))
    factor = (0.01 if percent else 1.0) * (multiply if multiply is not None else 1.0)
    if factor != 1.0:
        out.append(lambda v, row: _number(v) * factor)
    if convert is not None:
        conversion = convert
        out.append(lambda v, row: _number(v) * conversion.rate(row))
    return out


def apply(pipeline: list[Step], value: Any, row: dict[str, str]) -> Any:
    for step in pipeline:
        if value is None:
            return None
        value = step(value, row)
    return value
