"""Overseas parties with their spellings (hard negatives share a name across countries), and vessels."""

from __future__ import annotations

from typing import Any

from ingest.synthetic import names
from ingest.synthetic.builder import WorldBuilder
from ingest.synthetic.reference import COUNTRIES
from ontology.types import IMOType


def overseas_parties(b: WorldBuilder) -> tuple[list[dict[str, Any]], dict[tuple[str, str], str]]:
    """True parties with their spellings; hard negatives share a name across countries."""
    rng = b.rng
    foreign = [c[0] for c in COUNTRIES if c[0] != "CN"]
    parties: list[dict[str, Any]] = []
    owner: dict[tuple[str, str], str] = {}
    cores: set[frozenset[str]] = set()
    for i in range(b.scale.parties):
        party_id = f"OP{i + 1:05d}"
        country = rng.choice(foreign)
        if parties and rng.random() < 0.08:  # same name, another country: a different party
            twin = rng.choice(parties)
            canonical = twin["name"]
            country = rng.choice([c for c in foreign if c != twin["country"]])
        else:
            for _ in range(100):
                canonical = names.overseas_name(rng, country)
                core = frozenset(canonical.split()[:3])
                if core not in cores:
                    cores.add(core)
                    break
        for _ in range(50):  # that name is taken in that country: this party lives elsewhere
            if (canonical, country) not in owner:
                break
            country = rng.choice(foreign)
        else:
            canonical = f"{canonical} {rng.choice(names.EN_WORDS)} {i}"
        spellings = [canonical]
        for _ in range(rng.randrange(0, 6 + b.difficulty.extra_spellings)):
            spellings.append(names.overseas_variant(rng, canonical, country))
        kept = []
        for spelling in dict.fromkeys(spellings):
            if owner.setdefault((spelling, country), party_id) == party_id:
                kept.append(spelling)
        address = f"{rng.randint(1, 999)} {rng.choice(names.EN_WORDS).title()} Road, {country}"
        parties.append(
            {"id": party_id, "name": canonical, "country": country, "spellings": kept, "address": address}
        )
    return parties, owner


def vessel_imo(rng: Any) -> str:
    """A valid IMO number (its check digit right)."""
    while True:
        body = f"{rng.randint(900000, 999999)}"
        check = sum(int(d) * w for d, w in zip(body, range(7, 1, -1), strict=True)) % 10
        candidate = body + str(check)
        if IMOType().clean(candidate) == candidate:
            return candidate
