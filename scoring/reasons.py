"""A score's reasons in words an officer reads, in Chinese and English: the features by the names of
``scoring/reasons.yaml``, a missing value by what it means ("无历史 no history", "未扫描 not scanned"),
never by the number that stands for it."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import yaml
from pydantic import BaseModel

from tianji.core.resources import package_path

REASONS = package_path("scoring", "reasons.yaml")


class Words(BaseModel):
    zh: str
    en: str

    def both(self) -> str:
        return f"{self.zh} {self.en}"


class Feature(BaseModel):
    zh: str
    en: str
    missing: Words | None = None


class Vocabulary(BaseModel):
    default_missing: Words
    features: dict[str, Feature]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return Vocabulary.model_validate(yaml.safe_load(REASONS.read_text(encoding="utf-8")))


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def name(feature: str, indicators: dict[str, Words] | None = None) -> str:
    """The feature's name in both languages (an indicator's from the indicators; otherwise its code)."""
    if indicators and feature in indicators:
        return indicators[feature].both()
    known = vocabulary().features.get(feature)
    return f"{known.zh} {known.en}" if known else feature


def value(feature: str, shown: Any) -> str:
    """A feature's value as the officer reads it: what a missing value means, numbers to two places."""
    if is_missing(shown):
        known = vocabulary().features.get(feature)
        return ((known.missing if known else None) or vocabulary().default_missing).both()
    if isinstance(shown, float) or (hasattr(shown, "dtype") and getattr(shown.dtype, "kind", "") == "f"):
        number = float(shown)
        return str(int(number)) if number.is_integer() and abs(number) >= 1 else f"{number:.2f}"
    return str(shown)


def said(feature: str, shown: Any, indicators: dict[str, Words] | None = None) -> str:
    """ "name = value" in both languages."""
    return f"{name(feature, indicators)} = {value(feature, shown)}"
