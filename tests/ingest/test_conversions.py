"""What a mapping does to a value with no code: maps, constants, padding, patterns, dates, percentages,
currency conversion, identifier schemes and feature columns (table-driven, no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.mapping import load_mapping
from ingest.value_spec import ValueSpec
from ontology import OntologyError

CASES = [
    ({"column": "x", "map": {"1": "hit", "0": "clear"}}, {"x": "1"}, "hit"),
    ({"column": "x", "map": {"1": "hit"}, "otherwise": "clear"}, {"x": "7"}, "clear"),
    ({"value": "national"}, {}, "national"),
    ({"column": "x", "pad": 4}, {"x": "12"}, "0012"),
    ({"column": "x", "remove": "[^0-9]", "pattern": r"\d{8}"}, {"x": "8471.30-00"}, "84713000"),
    ({"column": "x", "upper": True}, {"x": "at"}, "AT"),
    ({"column": "x", "format": "%d/%m/%Y"}, {"x": "05/03/2024"}, "2024-03-05"),
    ({"column": "x", "percent": True}, {"x": "12.5"}, 0.125),
    ({"column": "x", "multiply": 1000}, {"x": "1.5"}, 1500.0),
    ({"column": "x", "convert": {"rate_column": "r"}}, {"x": "100", "r": "0.25"}, 25.0),
    (
        {"column": "x", "convert": {"currency_column": "c", "rate_column": "r"}},
        {"x": "2", "c": "EUR", "r": "1.1"},
        2.2,
    ),
    ({"column": "x", "scheme": "eu_eori"}, {"x": "AT123456789"}, "AT123456789"),
    ({"column": "x", "map": {"1": "hit"}}, {"x": ""}, None),  # empty stays empty
]

REFUSED = [
    ({"column": "x", "map": {"1": "hit", "0": "clear"}}, {"x": "2"}, "not one of the mapped values"),
    ({"column": "x", "pattern": r"\d{2}"}, {"x": "123"}, "does not have this source's shape"),
    ({"column": "x", "format": "%d/%m/%Y"}, {"x": "2024-03-05"}, "not a date in the format"),
    ({"column": "x", "percent": True}, {"x": "ten"}, "not a number"),
    ({"column": "x", "scheme": "cn_uscc"}, {"x": "91350100M000100Y44"}, "wrong check digit"),
    ({"column": "x", "scheme": "national"}, {"x": "I1"}, "not a valid enterprise identifier"),
    ({"column": "x", "convert": {"rate_column": "r"}}, {"x": "1", "r": ""}, "no exchange rate"),
]


@pytest.mark.parametrize(("spec", "row", "expected"), CASES)
def test_converts(spec: dict[str, object], row: dict[str, str], expected: object) -> None:
    assert ValueSpec.model_validate(spec).compile()(row) == expected


@pytest.mark.parametrize(("spec", "row", "message"), REFUSED)
def test_refuses_with_reason(spec: dict[str, object], row: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ValueSpec.model_validate(spec).compile()(row)


def _mapping(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_rate_table_beside_the_mapping_converts_by_currency_and_date(tmp_path: Path) -> None:
    (tmp_path / "rates.csv").write_text(
        "currency,rate,valid_from\nEUR,1.10,2024-01-01\nEUR,1.20,2024-07-01\nTND,0.32,2024-01-01\n"
    )
    path = _mapping(
        tmp_path,
        "source: d.csv\nnodes:\n  - label: Declaration\n    id: nr\n    properties:\n"
        "      entry_no: nr\n      date: day\n"
        "      value_usd: {column: amount, convert: {currency_column: cur, rates: rates.csv, date_column: day}}\n",
    )
    value = load_mapping(path).nodes[0].properties["value_usd"].compile()
    assert value({"amount": "100", "cur": "EUR", "day": "2024-03-01"}) == pytest.approx(110.0)
    assert value({"amount": "100", "cur": "EUR", "day": "2024-08-01"}) == pytest.approx(120.0)
    assert value({"amount": "100", "cur": "USD", "day": "2024-08-01"}) == 100.0  # the base currency
    with pytest.raises(ValueError, match="no exchange rate for GBP"):
        value({"amount": "100", "cur": "GBP", "day": "2024-08-01"})
    with pytest.raises(ValueError, match="no exchange rate for EUR on 2023-12-31"):
        value({"amount": "100", "cur": "EUR", "day": "2023-12-31"})


def test_feature_columns_become_one_json_property(tmp_path: Path) -> None:
    path = _mapping(
        tmp_path,
        "source: d.csv\nnodes:\n  - label: Declaration\n    id: nr\n    properties: {entry_no: nr, date: day}\n"
        "    features:\n      office_type: OT\n      fob: {column: FOB, kind: numeric}\n",
    )
    mapping = load_mapping(path)
    features = mapping.nodes[0].properties["features"].compile()
    assert json.loads(features({"OT": "A", "FOB": "1,200.5"}) or "") == {"fob": 1200.5, "office_type": "A"}
    assert {"OT", "FOB"} <= mapping.columns
    with pytest.raises(ValueError, match="feature fob: not a number"):
        features({"OT": "A", "FOB": "lots"})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "    properties: {entry_no: nr, date: {column: day, scheme: cn_uscc}}\n",
            "not an enterprise identifier",
        ),
        (
            "    properties: {entry_no: nr, date: {column: day, scheme: kr_brn}}\n",
            "unknown identifier scheme",
        ),
        ("    properties: {entry_no: nr, date: {column: day, pattern: '(['}}\n", "not a regular expression"),
        (
            "    properties: {entry_no: nr, value_usd: {column: v, convert: {currency: EUR, rates: none.csv}}}\n",
            "cannot read the rate table",
        ),
        (
            "    properties: {entry_no: nr, value_usd: {column: v, convert: {currency: EURO, rate_column: r}}}\n",
            "EURO",
        ),
    ],
)
def test_bad_conversions_are_refused_when_the_mapping_loads(tmp_path: Path, body: str, message: str) -> None:
    path = _mapping(tmp_path, "source: d.csv\nnodes:\n  - label: Declaration\n    id: nr\n" + body)
    with pytest.raises(OntologyError, match=message):
        load_mapping(path)
