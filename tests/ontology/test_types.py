"""Value types clean what they can and refuse the rest with a reason (table-driven)."""

from __future__ import annotations

import pytest

from ontology.types import IMOType, PlateType, USCCType, scheme_type, value_type

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
    ("country", "AUT", "AT"),  # alpha-3
    ("country", "40", "AT"),  # numeric, unpadded
    ("country", "TN", "TN"),
    ("country", "XK", "XK"),
    ("currency", "eur", "EUR"),
    ("currency", "978", "EUR"),
    ("port_code", "5100", "5100"),
    ("port_code", "12", "12"),  # another administration's office code
    ("port_code", "de004151", "DE004151"),
    ("locode", "CN SHA", "CNSHA"),
    ("enterprise_id", " imp-0042 ", "IMP-0042"),
    ("enterprise_id", "91350100M000100Y43", "91350100M000100Y43"),
    ("eori", "de 123456789012345", "DE123456789012345"),
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
    ("country", "999", "unknown country code"),
    ("currency", "EUROS", "not a valid ISO 4217 currency code"),
    ("currency", "XYZ", "unknown currency code"),
    ("port_code", "51 00?", "not a valid customs office or port code"),
    ("locode", "XXABC", "unknown country"),
    ("locode", "CNSH1", "not a valid UN/LOCODE"),
    ("enterprise_id", "E3", "not a valid enterprise identifier"),
    ("eori", "QQ1234", "unknown country"),
    ("eori", "DE1234567890123456", "not a valid EORI"),
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


SCHEME_CASES = [
    ("cn_uscc", "91350100M000100Y43", "91350100M000100Y43", None),
    ("cn_uscc", "91350100M000100Y44", None, "wrong check digit"),
    ("cn_uscc", "IMP12345", None, "not a valid unified social credit code"),
    ("eu_eori", "AT123456789", "AT123456789", None),
    ("eu_eori", "QQ12345", None, "unknown country"),
    ("national", "IMP12345", "IMP12345", None),
    ("national", "I1", None, "not a valid enterprise identifier"),
]


@pytest.mark.parametrize(("scheme", "raw", "expected", "message"), SCHEME_CASES)
def test_identifier_schemes_validate_their_own_shape(
    scheme: str, raw: str, expected: str | None, message: str | None
) -> None:
    if message is None:
        assert scheme_type(scheme).clean(raw) == expected
    else:
        with pytest.raises(ValueError, match=message):
            scheme_type(scheme).clean(raw)


def test_a_shaped_type_tells_whether_a_text_could_begin_one_of_its_values() -> None:
    assert PlateType().could_begin("粤B12") and not PlateType().could_begin("华信贸易")
    assert USCCType().could_begin("9144") and not USCCType().could_begin("华信")
    assert IMOType().could_begin("93") and not IMOType().could_begin("IMO")  # stored without its prefix
    assert PlateType().could_begin("")  # nothing typed yet begins everything
