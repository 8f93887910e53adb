"""Countries: ISO 3166-1 alpha-2 codes the platform knows."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from ontology.types.base import PatternType


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
