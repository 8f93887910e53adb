"""Cargo groups and scan difficulty as data: the HS chapter groups a scan is read against and how their
loads look (``cargo_groups.yaml``), and the difficulty profiles of generated scans (``scan_profiles.yaml``).

A declaration's HS code maps to its group through the chapters the group lists (``group_of_hs``)."""

from __future__ import annotations

from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tianji.core.resources import package_path

Pattern = Literal["bulk", "cartons", "bales", "sacks", "drums", "rings", "planks", "bars", "castings", "cars"]
Span = tuple[float, float]
DIFFICULTIES = ("easy", "medium", "hard")


class Inner(BaseModel):
    """Items inside each package: how many, their size (rows, columns ranges) and density."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    count: tuple[int, int]
    size: tuple[tuple[int, int], tuple[int, int]]
    density: float


class Look(BaseModel):
    """One way a group's goods are packed, and their texture (``cargo_groups.yaml`` explains each knob)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    pattern: Pattern
    weight: float = Field(1.0, gt=0)
    density: Span
    unit: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
    gap: int = 0
    jitter: float = Field(0.0, ge=0, le=1)
    height: Span
    blur: float = 0.0
    wall: float = 0.0
    grain: float = 0.0
    grain_scale: Span = (1.0, 1.0)
    hole: float = Field(0.0, ge=0, lt=1)
    inner: Inner | None = None


class CargoGroup(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str
    zh: str
    en: str
    sections: tuple[str, ...]
    chapters: frozenset[int]
    looks: tuple[Look, ...]


class ScanProfile(BaseModel):
    """How hard a generated scan is (``scan_profiles.yaml`` explains each knob)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    noise: float
    blur: float
    gain: float
    stripes: float
    density_jitter: float
    size_jitter: float
    clutter: tuple[int, int]
    partial: float = Field(ge=0, le=1)
    fill: Span
    mixed: float = Field(ge=0, le=1)
    minor: Span
    overlap: float = Field(ge=0, le=1)


class Cargo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    groups: dict[str, CargoGroup]

    @model_validator(mode="after")
    def _one_group_per_chapter(self) -> Cargo:
        seen: dict[int, str] = {}
        for group in self.groups.values():
            for chapter in group.chapters:
                if chapter in seen:
                    raise ValueError(f"HS chapter {chapter} is in {seen[chapter]!r} and {group.key!r}")
                seen[chapter] = group.key
        return self


def _chapters(ranges: list[str]) -> frozenset[int]:
    out: set[int] = set()
    for item in ranges:
        first, _, last = str(item).partition("-")
        out.update(range(int(first), int(last or first) + 1))
    return frozenset(out)


@cache
def cargo() -> Cargo:
    raw = yaml.safe_load(package_path("imaging", "cargo_groups.yaml").read_text(encoding="utf-8"))
    return Cargo(
        groups={
            key: CargoGroup(
                key=key,
                zh=spec["zh"],
                en=spec["en"],
                sections=tuple(spec["sections"]),
                chapters=_chapters(spec["chapters"]),
                looks=tuple(Look(**look) for look in spec["looks"]),
            )
            for key, spec in raw["groups"].items()
        }
    )


@cache
def profiles() -> dict[str, ScanProfile]:
    raw = yaml.safe_load(package_path("imaging", "scan_profiles.yaml").read_text(encoding="utf-8"))
    return {name: ScanProfile(name=name, **knobs) for name, knobs in raw.items()}


def profile(difficulty: str | None) -> ScanProfile:
    """The scan profile of ``difficulty`` (easy, medium or hard; None means easy)."""
    name = (difficulty or "easy").strip().lower()
    if name not in profiles():
        raise ValueError(f"unknown difficulty {difficulty!r}: choose one of {', '.join(profiles())}")
    return profiles()[name]


GROUPS: tuple[str, ...] = tuple(cargo().groups)


def group_of_hs(hs_code: str | None) -> str | None:
    """The cargo group a declared HS code's goods should look like on a scan (None when no group applies:
    no code, or a chapter whose goods have no cargo look, as crude oil)."""
    digits = "".join(ch for ch in str(hs_code or "") if ch.isdigit())
    if len(digits) < 2:
        return None
    chapter = int(digits[:2])
    return next((g.key for g in cargo().groups.values() if chapter in g.chapters), None)
