"""Value types: small classes that clean and validate one kind of value.

Each type turns raw source text into the value stored in the graph (or raises ``ValueError`` with a
reason an operator can act on). Types are looked up by the names used in ``ontology/schema``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any, ClassVar

INT64_MAX = 2**63 - 1


def to_halfwidth(text: str) -> str:
    """Full-width ASCII variants and the ideographic space become their half-width forms."""
    return unicodedata.normalize("NFKC", text)


class ValueType:
    name: ClassVar[str] = "string"
    cypher_type: ClassVar[str] = "string"

    def clean(self, value: Any) -> Any:
        if value is None:
            return None
        text = to_halfwidth(str(value)).strip()
        return text or None


class StringType(ValueType):
    name = "string"


class TextType(ValueType):
    name = "text"


class IntType(ValueType):
    name = "int"
    cypher_type = "integer"

    def clean(self, value: Any) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            raise ValueError(f"not an integer: {value!r}")
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"not an integer: {value!r}")
            value = int(value)
        try:
            number = int(str(value).strip().replace(",", ""))
        except ValueError:
            raise ValueError(f"not an integer: {value!r}") from None
        if abs(number) > INT64_MAX:
            raise ValueError(f"integer out of range: {value!r}")
        return number


class FloatType(ValueType):
    name = "float"
    cypher_type = "float"

    def clean(self, value: Any) -> float | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"not a number: {value!r}") from None
        if math.isnan(number) or math.isinf(number):
            raise ValueError(f"not a finite number: {value!r}")
        return number


class BoolType(ValueType):
    name = "bool"
    cypher_type = "boolean"
    TRUE = {"1", "true", "yes", "y", "t", "是"}
    FALSE = {"0", "false", "no", "n", "f", "否"}

    def clean(self, value: Any) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if not text:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"not a boolean: {value!r}")


class DateType(ValueType):
    """A calendar date, stored as ISO text ``YYYY-MM-DD`` so that it sorts and compares."""

    name = "date"
    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d.%m.%Y")

    def clean(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        text = to_halfwidth(str(value)).strip()
        if not text:
            return None
        text = text.replace("年", "-").replace("月", "-").replace("日", "")
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date().isoformat()
            except ValueError:
                continue
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}")


class DateTimeType(ValueType):
    """A moment, stored as ISO text ``YYYY-MM-DDTHH:MM:SS`` (UTC when a zone is given)."""

    name = "datetime"

    def clean(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            moment = value
        else:
            text = to_halfwidth(str(value)).strip()
            if not text:
                return None
            try:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"not a date-time (ISO 8601): {value!r}") from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment.isoformat(timespec="seconds")


class PatternType(ValueType):
    """Text that must match a pattern after normalisation."""

    pattern: ClassVar[re.Pattern[str]]
    what: ClassVar[str]

    def normalise(self, text: str) -> str:
        return text.upper().replace(" ", "")

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if text is None:
            return None
        text = self.normalise(text)
        if not self.pattern.fullmatch(text):
            raise ValueError(f"not a valid {self.what}: {value!r}")
        return text


class USCCType(PatternType):
    """Unified social credit code (统一社会信用代码): 18 characters, checked by its check digit."""

    name = "uscc"
    what = "unified social credit code"
    pattern = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}")
    ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

    @classmethod
    def check_digit(cls, first17: str) -> str:
        total = sum(cls.ALPHABET.index(c) * w for c, w in zip(first17, cls.WEIGHTS, strict=True))
        return cls.ALPHABET[(31 - total % 31) % 31]

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if text is not None and self.check_digit(text[:17]) != text[17]:
            raise ValueError(f"unified social credit code has a wrong check digit: {value!r}")
        return text


class HSCodeType(PatternType):
    """Harmonized System code: 6 to 10 digits (dots and spaces removed)."""

    name = "hs_code"
    what = "HS code (6-10 digits)"
    pattern = re.compile(r"\d{6,10}")

    def normalise(self, text: str) -> str:
        return re.sub(r"[\s.]", "", text)


class CountryType(PatternType):
    """ISO 3166-1 alpha-2 country code."""

    name = "country"
    what = "ISO country code"
    pattern = re.compile(r"[A-Z]{2}")
    KNOWN: ClassVar[frozenset[str]] = frozenset(
        [
            "AE",
            "AR",
            "AU",
            "BD",
            "BE",
            "BR",
            "CA",
            "CH",
            "CL",
            "CN",
            "DE",
            "DK",
            "EG",
            "ES",
            "FI",
            "FR",
            "GB",
            "GR",
            "HK",
            "ID",
            "IE",
            "IL",
            "IN",
            "IR",
            "IT",
            "JP",
            "KE",
            "KH",
            "KR",
            "KZ",
            "LA",
            "LK",
            "MM",
            "MN",
            "MO",
            "MX",
            "MY",
            "NG",
            "NL",
            "NO",
            "NZ",
            "PE",
            "PH",
            "PK",
            "PL",
            "PT",
            "RU",
            "SA",
            "SE",
            "SG",
            "TH",
            "TR",
            "TW",
            "UA",
            "US",
            "VN",
            "ZA",
        ]
    )

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if text is not None and text not in self.KNOWN:
            raise ValueError(f"unknown country code: {value!r}")
        return text


class PortCodeType(PatternType):
    """Customs port code (关区代码): four digits."""

    name = "port_code"
    what = "customs port code (4 digits)"
    pattern = re.compile(r"\d{4}")


class PlateType(PatternType):
    """Chinese vehicle plate: province character, letter, five or six letters/digits."""

    name = "plate"
    what = "vehicle plate"
    pattern = re.compile(r"[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}")

    def normalise(self, text: str) -> str:
        return re.sub(r"[\s·\-]", "", text.upper())


class IMOType(PatternType):
    """IMO ship number: seven digits with a check digit (the 'IMO' prefix is dropped)."""

    name = "imo"
    what = "IMO number"
    pattern = re.compile(r"\d{7}")

    def normalise(self, text: str) -> str:
        return re.sub(r"^IMO", "", text.upper().replace(" ", ""))

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if text is not None:
            check = sum(int(d) * w for d, w in zip(text[:6], range(7, 1, -1), strict=True)) % 10
            if check != int(text[6]):
                raise ValueError(f"IMO number has a wrong check digit: {value!r}")
        return text


class MMSIType(PatternType):
    name = "mmsi"
    what = "MMSI (9 digits)"
    pattern = re.compile(r"\d{9}")


class PhoneType(PatternType):
    """Phone number, digits only, with an optional leading country code."""

    name = "phone"
    what = "phone number"
    pattern = re.compile(r"\+?\d{7,15}")

    def normalise(self, text: str) -> str:
        return re.sub(r"[\s()\-]", "", text)


class ContainerType(PatternType):
    """ISO 6346 container number: owner code, category, six digits, check digit."""

    name = "container"
    what = "container number"
    pattern = re.compile(r"[A-Z]{3}[UJZ]\d{7}")


class StringListType(ValueType):
    """A list of strings; in flat files, values separated by ``|``."""

    name = "string[]"
    cypher_type = "list"

    def clean(self, value: Any) -> list[str] | None:
        if value is None:
            return None
        items = value if isinstance(value, list | tuple) else str(value).split("|")
        cleaned = [to_halfwidth(str(item)).strip() for item in items]
        return [item for item in cleaned if item]


class FloatListType(ValueType):
    name = "float[]"
    cypher_type = "list"

    def clean(self, value: Any) -> list[float] | None:
        if value is None:
            return None
        items = value if isinstance(value, list | tuple) else str(value).split("|")
        return [FloatType().clean(item) or 0.0 for item in items]


VALUE_TYPES: dict[str, ValueType] = {
    t.name: t()
    for t in (
        StringType,
        TextType,
        IntType,
        FloatType,
        BoolType,
        DateType,
        DateTimeType,
        USCCType,
        HSCodeType,
        CountryType,
        PortCodeType,
        PlateType,
        IMOType,
        MMSIType,
        PhoneType,
        ContainerType,
        StringListType,
        FloatListType,
    )
}


def value_type(name: str) -> ValueType:
    try:
        return VALUE_TYPES[name]
    except KeyError:
        raise KeyError(f"unknown value type {name!r}; known: {', '.join(sorted(VALUE_TYPES))}") from None
