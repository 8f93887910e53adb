"""The certificate types the platform reads, as data (``certificate_types.yaml``): each type's bilingual
title, number prefix, layout and key fields; each field's printed labels and value pattern."""

from __future__ import annotations

import re
from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from tianji.core.resources import package_path

LAYOUTS = ("table", "form", "letter")


# what OCR reads for a letter where only letters belong (a number's prefix): 0 for O, 1 for I, ...
AS_LETTER = str.maketrans("015827", "OISBZT")


class FieldSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    zh: str
    en: str
    pattern: str | None = None
    letters_before: str | None = None  # the value's part before this mark holds letters only

    def repaired(self, value: str) -> str:
        """The value with OCR's digit-for-letter confusions undone where only letters belong."""
        if not self.letters_before or self.letters_before not in value:
            return value
        head, mark, tail = value.partition(self.letters_before)
        return head.translate(AS_LETTER) + mark + tail


class CertificateType(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str
    zh: str
    en: str
    prefix: str
    layout: str
    fields: tuple[str, ...]

    @property
    def compact_title(self) -> str:
        return re.sub(r"\s+", "", self.en).upper()


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    fields: dict[str, FieldSpec]
    types: dict[str, CertificateType]
    samples: dict[str, tuple[str, ...]]

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        for kind in self.types.values():
            unknown = [f for f in kind.fields if f not in self.fields]
            if unknown:
                raise ValueError(f"certificate type {kind.key!r} names unknown fields {unknown}")
            if kind.layout not in LAYOUTS:
                raise ValueError(f"certificate type {kind.key!r} has layout {kind.layout!r}; use {LAYOUTS}")
        prefixes = [k.prefix for k in self.types.values()]
        if len(set(prefixes)) != len(prefixes):
            raise ValueError("certificate number prefixes must be unique")
        return self

    def kind_of_title(self, compact_upper_text: str) -> str | None:
        """The type whose title the page's text holds; the longest title wins ("RCEP CERTIFICATE OF
        ORIGIN" holds "CERTIFICATE OF ORIGIN")."""
        found = [k for k in self.types.values() if k.compact_title in compact_upper_text]
        return max(found, key=lambda k: len(k.compact_title)).key if found else None


@cache
def catalogue() -> Catalogue:
    raw = yaml.safe_load(package_path("imaging", "certificate_types.yaml").read_text(encoding="utf-8"))
    core = tuple(raw["core"])
    types = {
        key: CertificateType(
            key=key,
            zh=spec["zh"],
            en=spec["en"],
            prefix=spec["prefix"],
            layout=spec["layout"],
            fields=core + tuple(spec.get("adds", ())),
        )
        for key, spec in raw["types"].items()
    }
    return Catalogue(
        fields={name: FieldSpec(**spec) for name, spec in raw["fields"].items()},
        types=types,
        samples={name: tuple(values) for name, values in raw["samples"].items()},
    )
