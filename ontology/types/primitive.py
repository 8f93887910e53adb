"""Plain values: strings, text, integers, floats, booleans, and lists of strings or floats."""

from __future__ import annotations

import math
from typing import Any

from ontology.types.base import INT64_MAX, ValueType, to_halfwidth


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
