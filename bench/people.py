"""A large synthetic person set with known truth: one to three records per person, each copy after the
first corrupted the way registers are (a typo, given name and surname swapped, day and month transposed,
a missing field, a changed phone)."""

from __future__ import annotations

import random

from ingest.resolution.config import FieldKind, FieldSpec, LinkageConfig, keys

SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "ten",
    "sa",
    "vo",
    "lu",
    "rin",
    "da",
    "pe",
    "zor",
    "ba",
    "qui",
    "nel",
    "tor",
    "fa",
    "an",
    "el",
    "is",
    "on",
    "ur",
    "ya",
    "ko",
    "me",
    "li",
    "su",
]
STREETS = ["road", "street", "lane", "avenue", "way", "close"]


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def _typo(rng: random.Random, text: str, letters: str = "aeioubdkmnrst") -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + rng.choice(letters) + text[i + 1 :]


def _corrupt(rng: random.Random, record: dict[str, str]) -> dict[str, str]:
    out = dict(record)
    for _ in range(rng.randint(1, 2)):
        what = rng.randrange(6)
        if what == 0:
            out["surname"] = _typo(rng, out["surname"])
        elif what == 1:
            out["given_name"], out["surname"] = out["surname"], out["given_name"]
        elif what == 2:
            dob = out["date_of_birth"]
            out["date_of_birth"] = (
                dob[:4] + dob[6:8] + dob[4:6] if dob[6:8] <= "12" else _typo(rng, dob, "0123456789")
            )
        elif what == 3:
            out[rng.choice(["postcode", "phone", "address"])] = ""
        elif what == 4:
            out["phone"] = f"13{rng.randrange(10**9):09d}"
        else:
            out["address"] = _typo(rng, out["address"])
    return out


def generate(records: int, seed: int = 5) -> tuple[list[dict[str, str]], dict[str, str]]:
    rng = random.Random(seed)
    surnames = [_word(rng, rng.randint(2, 3)) for _ in range(max(records // 20, 500))]
    given = [_word(rng, rng.randint(1, 3)) for _ in range(max(records // 50, 300))]
    out: list[dict[str, str]] = []
    truth: dict[str, str] = {}
    person = 0
    while len(out) < records:
        person += 1
        base = {
            "given_name": rng.choice(given),
            "surname": rng.choice(surnames),
            "date_of_birth": f"{rng.randint(1940, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
            "postcode": f"{rng.randint(1000, 9999)}",
            "phone": f"13{rng.randrange(10**9):09d}",
            "address": f"{rng.randint(1, 300)} {_word(rng, 2)} {rng.choice(STREETS)}",
        }
        for copy in range(rng.choice([1, 1, 2, 2, 3])):
            record = base if copy == 0 else _corrupt(rng, base)
            rid = f"p{person}-{copy}"
            out.append({"id": rid, **record})
            truth[rid] = str(person)
    return out[:records], truth


def config() -> LinkageConfig:
    """Selective blocking rules for a million records (each combines two fields)."""
    return LinkageConfig(
        fields=(
            FieldSpec(column="given_name", kind=FieldKind.name),
            FieldSpec(column="surname", kind=FieldKind.name),
            FieldSpec(column="date_of_birth", kind=FieldKind.date),
            FieldSpec(column="postcode", kind=FieldKind.code),
            FieldSpec(column="phone", kind=FieldKind.phone),
            FieldSpec(column="address", kind=FieldKind.text),
        ),
        blocking=(
            keys("surname", "date_of_birth:4"),
            keys("given_name", "postcode"),
            keys("date_of_birth", "postcode"),
            keys("phone"),
            keys("address"),
            keys("surname", "given_name"),
        ),
        training=(keys("date_of_birth", "postcode"), keys("surname", "given_name"), keys("phone")),
        max_block=300,
    )
