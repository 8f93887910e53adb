"""Records of other agencies that name the world's people and enterprises, for entity resolution."""

from __future__ import annotations

import random
from typing import Any

from ingest.synthetic import names
from ingest.synthetic.builder import WorldBuilder


def person_variant(rng: Any, name: str) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return f"{name[0]} {name[1:]}"
    if kind == 1:
        return name + "\u3000"
    return name


def agency_records(b: WorldBuilder) -> dict[str, list[list[Any]]]:
    """Person and enterprise records of other sources (registration, case files, drivers, tax), some without
    their key and with variant names; their true identities go into the ground truth."""
    rng = b.rng
    people: list[list[Any]] = []
    in_roles = {r[0] for r in b.roles}
    in_cases = {s[2] for s in b.case_subjects if s[1] == "Person"}
    drivers = {v[5] for v in b.vehicles}
    for id_hash, person in b.persons.items():
        sources = [
            s
            for s, members in (
                ("business_registration", in_roles),
                ("case_file", in_cases),
                ("driver_record", drivers),
            )
            if id_hash in members
        ]
        for source in sources:
            record_id = f"PR{len(people) + 1:07d}"
            keep_key = not (source == "driver_record" and rng.random() < 0.3)
            people.append(
                [
                    record_id,
                    source,
                    id_hash if keep_key else "",
                    person_variant(rng, person["name"]) if rng.random() < 0.3 else person["name"],
                    person["phone"],
                    person["address"],
                ]
            )
            b.truth["person_identity"][record_id] = id_hash
    enterprises: list[list[Any]] = []
    legal_rep: dict[str, str] = {}
    for person, uscc, role, *_ in b.roles:
        if role == "legal_rep":
            legal_rep.setdefault(uscc, b.persons[person]["name"])
    # the phone and legal representative come from a generator of their own, so that every other file of
    # the world stays what it was
    extra = random.Random(f"agency-{b.seed}")
    for ent in b.enterprises:
        if rng.random() < 0.3:
            record_id = f"ER{len(enterprises) + 1:07d}"
            enterprises.append(
                [
                    record_id,
                    rng.choice(["tax", "market_regulation"]),
                    ent.uscc if rng.random() > 0.2 else "",
                    names.chinese_variant(rng, ent.name, ent.city),
                    ent.address,
                    *agency_contact(extra, ent.phone, legal_rep.get(ent.uscc, "")),
                ]
            )
            b.truth["enterprise_identity"][record_id] = ent.uscc
    return {"people": people, "enterprises": enterprises}


def agency_contact(rng: random.Random, phone: str, legal_rep: str) -> tuple[str, str]:
    """The phone and legal representative another agency holds for an enterprise: often missing, the phone
    sometimes another number the enterprise gave, the representative's name sometimes spelt apart."""
    draw = rng.random()
    held_phone = phone if draw < 0.6 else "" if draw < 0.85 else f"137{rng.randrange(10**8):08d}"
    held_rep = "" if rng.random() < 0.3 else person_variant(rng, legal_rep) if legal_rep else ""
    return held_phone, held_rep
