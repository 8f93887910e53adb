"""Value types: small classes that clean and validate one kind of value.

Each type turns raw source text into the value stored in the graph (or raises ``ValueError`` with a
reason an operator can act on). Types are looked up by the names used in ``ontology/schema``.

One module per family (``primitive``, ``temporal``, ``identifiers``, ``countries`` (and currencies),
``enterprise_ids`` (identifiers by registration scheme)); ``VALUE_TYPES`` is the
registry of one instance per type.
"""

from __future__ import annotations

from ontology.types.base import INT64_MAX, PatternType, ValueType, to_halfwidth
from ontology.types.countries import CountryType, CurrencyType, country_code
from ontology.types.enterprise_ids import SCHEMES, EnterpriseIdType, EORIType, NationalIdType, scheme_type
from ontology.types.identifiers import (
    ContainerType,
    HSCodeType,
    IMOType,
    LocodeType,
    MMSIType,
    PhoneType,
    PlateType,
    PortCodeType,
    USCCType,
)
from ontology.types.primitive import (
    BoolType,
    FloatListType,
    FloatType,
    IntType,
    StringListType,
    StringType,
    TextType,
)
from ontology.types.temporal import DateTimeType, DateType

__all__ = [
    "INT64_MAX",
    "SCHEMES",
    "VALUE_TYPES",
    "BoolType",
    "ContainerType",
    "CountryType",
    "CurrencyType",
    "EORIType",
    "EnterpriseIdType",
    "DateTimeType",
    "DateType",
    "FloatListType",
    "FloatType",
    "HSCodeType",
    "IMOType",
    "LocodeType",
    "IntType",
    "MMSIType",
    "NationalIdType",
    "PatternType",
    "PhoneType",
    "PlateType",
    "PortCodeType",
    "StringListType",
    "StringType",
    "TextType",
    "USCCType",
    "ValueType",
    "country_code",
    "scheme_type",
    "to_halfwidth",
    "value_type",
]

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
        CurrencyType,
        PortCodeType,
        LocodeType,
        EnterpriseIdType,
        EORIType,
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
