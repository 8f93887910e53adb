"""Codes with a pattern (and some a check digit): enterprise credit codes, HS codes, ports, plates, ships,
phones, containers."""

from __future__ import annotations

import re
from typing import Any

from ontology.types.base import PatternType
from ontology.types.countries import country_code


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


class PortCodeType(PatternType):
    """A customs office or port code, of whatever shape its administration gives it: letters and digits
    (``5100`` in China, ``DE004151`` in the EU, ``12`` elsewhere). A mapping narrows it to one
    administration's shape with ``pattern:``."""

    name = "port_code"
    what = "customs office or port code (letters and digits, up to 17)"
    pattern = re.compile(r"[A-Z0-9][A-Z0-9\-/]{0,16}")


class LocodeType(PatternType):
    """UN/LOCODE: an ISO country code and three letters or digits 2–9 (``CNSHA``, ``DE HAM``)."""

    name = "locode"
    what = "UN/LOCODE (country code and 3 characters)"
    pattern = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if text is not None and country_code(text[:2]) is None:
            raise ValueError(f"UN/LOCODE of an unknown country: {value!r}")
        return text


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
