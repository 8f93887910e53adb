"""Value types clean what they can and refuse the rest with a reason (table-driven)."""

from __future__ import annotations

import pytest

from ontology.types import value_type

CASES = [
    ("string", "  ＡＢＣ　公司 ", "ABC 公司"),
    ("int", "1,234", 1234),
    ("int", "", None),
    ("float", "12.5", 12.5),
    ("bool", "是", True),
    ("bool", "false", False),
    ("date", "2024/03/05", "2024-03-05"),
    ("date", "20240305", "2024-03-05"),
    ("date", "2024年3月5日", "2024-03-05"),
    ("datetime", "2024-03-05T10:00:00+08:00", "2024-03-05T02:00:00"),
    ("uscc", "91350100M000100Y43", "91350100M000100Y43"),
    ("uscc", " 91350100m000100y43 ", "91350100M000100Y43"),
    ("hs_code", "8471.30.00", "84713000"),
    ("country", "de", "DE"),
    ("port_code", "5100", "5100"),
    ("plate", "粤B 12345", "粤B12345"),
    ("imo", "IMO 9074729", "9074729"),
    ("mmsi", "412345678", "412345678"),
    ("phone", "138-0000-0001", "13800000001"),
    ("container", "MSKU1234565", "MSKU1234565"),
    ("string[]", "a| b |", ["a", "b"]),
]

REFUSED = [
    ("int", "12abc", "not an integer"),
    ("int", "99999999999999999999", "out of range"),
    ("float", "nan", "not a finite number"),
    ("float", "abc", "not a number"),
    ("bool", "maybe", "not a boolean"),
    ("date", "2024-13-45", "not a date"),
    ("datetime", "yesterday", "not a date-time"),
    ("uscc", "91350100M000100Y44", "wrong check digit"),
    ("uscc", "123", "not a valid unified social credit code"),
    ("hs_code", "84A1", "not a valid HS code"),
    ("country", "XX", "unknown country code"),
    ("port_code", "51000", "not a valid customs port code"),
    ("plate", "AB12345", "not a valid vehicle plate"),
    ("imo", "9074728", "wrong check digit"),
    ("phone", "12", "not a valid phone number"),
]


@pytest.mark.parametrize(("name", "raw", "expected"), CASES)
def test_cleans(name: str, raw: str, expected: object) -> None:
    assert value_type(name).clean(raw) == expected


@pytest.mark.parametrize(("name", "raw", "message"), REFUSED)
def test_refuses_with_reason(name: str, raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        value_type(name).clean(raw)


def test_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: "):
        value_type("colour")
