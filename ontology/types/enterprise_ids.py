"""Enterprise identifiers by registration scheme, chosen in the mapping and validated per scheme.

An enterprise's key is an identifier under some scheme: China's unified social credit code (with its check
digit), the EU's EORI number (a member state's code and up to 15 characters), or another administration's
national register number. ``enterprise_id`` is what the graph accepts from any scheme; a mapping names the
scheme of its source (``scheme: eu_eori``) and every value is checked against that scheme before it loads.
"""

from __future__ import annotations

import re
from typing import Any

from ontology.types.base import PatternType, ValueType
from ontology.types.countries import country_code
from ontology.types.identifiers import USCCType


class EnterpriseIdType(PatternType):
    """An enterprise identifier under any scheme: 4 to 35 letters and digits, dashes, dots or slashes
    (spaces removed), beginning with a letter or digit."""

    name = "enterprise_id"
    what = "enterprise identifier (4-35 letters, digits, - . /)"
    pattern = re.compile(r"[A-Z0-9][A-Z0-9\-./]{3,34}")


class EORIType(PatternType):
    """EU Economic Operators Registration and Identification number: an ISO country code (``XI`` for
    Northern Ireland) and up to 15 letters or digits."""

    name = "eori"
    what = "EORI number (country code and up to 15 characters)"
    pattern = re.compile(r"[A-Z]{2}[A-Z0-9]{1,15}")

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if text is not None and country_code(text[:2]) is None:
            raise ValueError(f"EORI number of an unknown country: {value!r}")
        return text


class NationalIdType(EnterpriseIdType):
    """A national register's number with no check the platform knows: the generic shape only."""

    name = "national_id"


#: the schemes a mapping may name for an enterprise identifier, each with the type that validates it
SCHEMES: dict[str, ValueType] = {
    "cn_uscc": USCCType(),
    "eu_eori": EORIType(),
    "national": NationalIdType(),
}


def scheme_type(name: str) -> ValueType:
    try:
        return SCHEMES[name]
    except KeyError:
        raise KeyError(f"unknown identifier scheme {name!r}; known: {', '.join(sorted(SCHEMES))}") from None
