"""The base of every value type, and text normalisation they share."""

from __future__ import annotations

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
