"""Countries and currencies from the ISO standards (ISO 3166-1, ISO 4217), as maintained by ``pycountry``.

Another administration writes countries as alpha-2 (``AT``), alpha-3 (``AUT``) or numeric (``040``) codes
and currencies as alpha-3 (``EUR``) or numeric (``978``) codes: each is cleaned to the alpha form the
graph stores, and anything the standard does not know is refused with the value.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pycountry

from ontology.types.base import PatternType

#: codes customs data uses that ISO 3166-1 reserves rather than assigns (Kosovo; Northern Ireland, which
#: the EU's customs codes and EORI numbers write as XI; the EU itself as a trading party)
USER_ASSIGNED = {"XK": "Kosovo", "XI": "Northern Ireland", "EU": "European Union"}


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Every alpha-2, alpha-3 and numeric ISO 3166-1 code → its alpha-2 code."""
    out: dict[str, str] = {code: code for code in USER_ASSIGNED}
    for country in pycountry.countries:
        out[country.alpha_2] = country.alpha_2
        out[country.alpha_3] = country.alpha_2
        out[country.numeric] = country.alpha_2
    return out


@lru_cache(maxsize=1)
def _currencies() -> dict[str, str]:
    """Every alpha-3 and numeric ISO 4217 code → its alpha-3 code."""
    out: dict[str, str] = {}
    for currency in pycountry.currencies:
        out[currency.alpha_3] = currency.alpha_3
        out[currency.numeric] = currency.alpha_3
    return out


def country_code(text: str) -> str | None:
    """The alpha-2 code of an ISO 3166-1 alpha-2, alpha-3 or numeric code, or None if there is none."""
    return _countries().get(text.zfill(3) if text.isdigit() else text)


class CountryType(PatternType):
    """ISO 3166-1 country: alpha-2, alpha-3 or numeric in the source, stored as alpha-2."""

    name = "country"
    what = "ISO country code"
    pattern = re.compile(r"[A-Z]{2,3}|\d{1,3}")

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if text is None:
            return None
        code = country_code(text)
        if code is None:
            raise ValueError(f"unknown country code (not in ISO 3166-1): {value!r}")
        return code


class CurrencyType(PatternType):
    """ISO 4217 currency: alpha-3 or numeric in the source, stored as alpha-3."""

    name = "currency"
    what = "ISO 4217 currency code"
    pattern = re.compile(r"[A-Z]{3}|\d{3}")

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if text is None:
            return None
        code = _currencies().get(text)
        if code is None:
            raise ValueError(f"unknown currency code (not in ISO 4217): {value!r}")
        return code
