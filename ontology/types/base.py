"""The base of every value type, and text normalisation they share."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, ClassVar

import regex

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

    def could_begin(self, text: str) -> bool:
        """Whether a clean value of this type could begin with ``text`` as it is (a search by prefix
        compares it with stored, clean values): any text, for a type without a shape."""
        return True


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

    def could_begin(self, text: str) -> bool:
        """Whether ``text`` is the beginning of some text matching the pattern: a name in Chinese is never
        the beginning of a plate's letters or a phone number's digits."""
        return _partial(self.pattern.pattern, self.pattern.flags).fullmatch(text, partial=True) is not None


@lru_cache(maxsize=256)
def _partial(pattern: str, flags: int) -> regex.Pattern[str]:
    """``pattern`` compiled by ``regex``, which can tell a partial match (the standard ``re`` cannot)."""
    return regex.compile(pattern, flags)
