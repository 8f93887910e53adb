"""The bulk of the world — overseas parties, declarations, inspections, cases, records — and its files."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from rich.console import Console

from ingest.synthetic import names
from ingest.synthetic.reference import COUNTRIES, EXTRA_HEADINGS, HS_HEADINGS, MISDECLARED_AS, PORTS, day
from ontology.types import IMOType

if TYPE_CHECKING:
    from ingest.synthetic.world import WorldBuilder

DAYS = 731
#: the columns of declarations.csv (docs/world.md)
DECLARATION_COLUMNS = [
    "entry_no",
    "date",
    "direction",
    "port",
    "trade_mode",
    "hs_code",
    "goods",
    "value_usd",
    "weight_kg",
    "quantity",
    "unit",
    "origin",
    "transport",
    "container",
    "duty_rate",
    "consignee_uscc",
    "consignee_name",
    "agent_uscc",
    "overseas_name",
    "overseas_country",
    "overseas_address",
    "vehicle_plate",
    "vessel_imo",
]
HEADINGS = {h["id"]: h for h in HS_HEADINGS + EXTRA_HEADINGS}


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


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
        for _ in range(rng.randrange(0, 6)):
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


def _imo(rng: Any) -> str:
    while True:
        body = f"{rng.randint(900000, 999999)}"
        check = sum(int(d) * w for d, w in zip(body, range(7, 1, -1), strict=True)) % 10
        candidate = body + str(check)
        if IMOType().clean(candidate) == candidate:
            return candidate


def declarations(
    b: WorldBuilder,
    parties: list[dict[str, Any]],
    vessels: list[str],
    vehicles_of: dict[str, list[str]],
    all_plates: list[str],
) -> pd.DataFrame:
    rng, gen = b.rng, b.np
    ents = [e for e in b.enterprises if not e.broker]
    brokers = [e.uscc for e in b.enterprises if e.broker] or [b.enterprises[0].uscc]
    last_day = np.array([DAYS if e.last_day is None else min(e.last_day, DAYS) for e in ents])
    active = np.maximum(last_day - np.array([e.first_day for e in ents]), 1).astype(float)
    weight = np.array([e.activity for e in ents]) * active / DAYS
    counts = gen.multinomial(b.scale.declarations, weight / weight.sum())
    idx = np.repeat(np.arange(len(ents)), counts)
    n = len(idx)
    first = np.array([e.first_day for e in ents])[idx]
    offset = first + (gen.random(n) * np.maximum(last_day[idx] - first, 1)).astype(int)
    is_gang = np.array([e.gang is not None for e in ents])[idx]
    # ports: gang members their own; others mostly home
    home = np.array([(e.ports[0] if e.ports else e.home_port) for e in ents], dtype=object)[idx]
    codes = np.array([p["code"] for p in PORTS], dtype=object)
    port = np.where(is_gang | (gen.random(n) < 0.85), home, codes[gen.integers(0, len(codes), n)])
    hs_pad = np.array([(e.hs * 3)[:3] for e in ents], dtype=object)
    heading = hs_pad[idx, gen.integers(0, 3, n)]
    origin_pad = np.array([e.origins for e in ents], dtype=object)
    origin = origin_pad[idx, gen.integers(0, 2, n)]
    partner_pad = np.array([(e.partners * 3)[:3] for e in ents])
    party = partner_pad[idx, gen.integers(0, 3, n)]
    price = np.array([HEADINGS[h]["price"] for h in heading])
    kg = np.array([HEADINGS[h]["kg"] for h in heading])
    country_factor = {c[0]: 0.8 + 0.4 * ((ord(c[0][0]) * 31 + ord(c[0][1])) % 97) / 97 for c in COUNTRIES}
    factor = np.array([country_factor[o] for o in origin])
    quantity = np.round(np.exp(gen.normal(6.0, 1.2, n))).clip(1, None)
    unit_price = price * factor * np.exp(gen.normal(0, 0.15, n))
    value = quantity * unit_price
    weight_kg = quantity * kg * np.exp(gen.normal(0, 0.05, n))
    risky = gen.random(n) < np.where(is_gang, 0.35, 0.012)
    kinds = np.array(["undervaluation", "hs_misdeclaration", "concealment"], dtype=object)[
        gen.integers(0, 3, n)
    ]
    can_misdeclare = np.array([h in MISDECLARED_AS for h in heading])
    kinds = np.where((kinds == "hs_misdeclaration") & ~can_misdeclare, "undervaluation", kinds)
    kind = np.where(risky, kinds, "")
    # rings keep their papers nearly coherent: undervaluation within the usual spread of prices, concealed
    # goods that weigh about what the declared goods would. Alone such a deviation means little (honest
    # declarations show as much); beside the consignee's ties it is what gives a ring away. Others are
    # blatant.
    subtle = gen.uniform(0.78, 0.92, n)
    blatant = gen.uniform(0.25, 0.45, n)
    value = np.where(kind == "undervaluation", value * np.where(is_gang, subtle, blatant), value)
    hidden = np.where(is_gang, gen.uniform(1.04, 1.12, n), gen.uniform(1.3, 1.8, n))
    weight_kg = np.where(kind == "concealment", weight_kg * hidden, weight_kg)
    declared = np.array([MISDECLARED_AS.get(h, h) for h in heading], dtype=object)
    declared = np.where(kind == "hs_misdeclaration", declared, heading)
    sea = gen.random(n) < 0.7
    order = np.lexsort((idx, offset))
    rows = []
    consignee = [ents[i] for i in idx]
    for seq, j in enumerate(order, start=1):
        ent = consignee[j]
        p = parties[int(party[j])]
        spelling = p["spellings"][rng.randrange(len(p["spellings"]))]
        plate = ""
        vessel = ""
        container = ""
        if sea[j]:
            vessel = vessels[rng.randrange(len(vessels))]
            container = f"{rng.choice(['MSK', 'COS', 'CMA', 'EVG'])}U{rng.randint(1000000, 9999999)}"
        else:
            own = vehicles_of.get(ent.uscc)
            plate = rng.choice(own) if own else all_plates[rng.randrange(len(all_plates))]
        date = day(int(offset[j]))
        entry = f"{port[j]}{date[:4]}{seq:010d}"
        rows.append(
            (
                entry,
                date,
                "import" if rng.random() < 0.85 else "export",
                port[j],
                rng.choice(
                    [
                        "general trade",
                        "general trade",
                        "processing trade",
                        "bonded logistics",
                        "cross-border e-commerce",
                    ]
                ),
                f"{declared[j]}{rng.randint(10, 99)}00",
                HEADINGS[heading[j]]["description"],
                round(float(value[j]), 2),
                round(float(weight_kg[j]), 1),
                float(quantity[j]),
                HEADINGS[declared[j]]["unit"],
                origin[j],
                "sea" if sea[j] else "road",
                container,
                HEADINGS[declared[j]]["duty"],
                ent.uscc,
                names.chinese_variant(rng, ent.name, ent.city) if rng.random() < 0.3 else ent.name,
                brokers[rng.randrange(len(brokers))] if rng.random() < 0.7 else "",
                spelling,
                p["country"],
                p["address"],
                plate,
                vessel,
                kind[j],
            )
        )
    return pd.DataFrame(rows, columns=[*DECLARATION_COLUMNS, "_risk"])


def write_world(b: WorldBuilder, out: Path, console: Console) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    rng = b.rng
    with console.status("overseas parties, vehicles and vessels"):
        parties, owner = overseas_parties(b)
        vessels = [_imo(rng) for _ in range(b.scale.vessels)]
        drivers_needed = max(b.scale.vehicles - len(b.vehicles), 10)
        background = [e for e in b.enterprises if e.gang is None]
        for _ in range(drivers_needed):
            ent = rng.choice(background)
            b.vehicles.append(
                [
                    b.new_plate(),
                    rng.choice(["tractor", "box truck", "van", "container truck"]),
                    ent.region,
                    ent.uscc,
                    rng.choice(["own", "lease", "use"]),
                    b.new_person(),
                ]
            )
        vehicles_of: dict[str, list[str]] = defaultdict(list)
        for plate, _, _, owner_uscc, _, _ in b.vehicles:
            vehicles_of[owner_uscc].append(plate)
    with console.status(f"{b.scale.declarations:,} declarations"):
        decl = declarations(b, parties, vessels, vehicles_of, [v[0] for v in b.vehicles])
    with console.status("inspections, tests, audits, cases, records"):
        events = _events(b, decl)
        _background_relations(b)
        records = _records(b)
    with console.status(f"writing files to {out}"):
        _write(b, out, parties, vessels, decl, events, records, owner)
    manifest = {
        "scale": b.scale_name,
        "seed": b.seed,
        "date_range": ["2024-01-01", "2025-12-31"],
        "counts": {
            "declarations": len(decl),
            "enterprises": len(b.enterprises),
            "persons": len(b.persons),
            "overseas_parties": len(parties),
            "vehicles": len(b.vehicles),
            "vessels": len(vessels),
            "gangs": len(b.truth["gangs"]),
            "cases": len(b.cases),
            "risky_declarations": len(b.truth["risky_declarations"]),
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


def _events(b: WorldBuilder, decl: pd.DataFrame) -> dict[str, list[list[Any]]]:
    gen, rng = b.np, b.rng
    n = len(decl)
    risky = decl["_risk"].to_numpy() != ""
    inspected = gen.random(n) < np.where(risky, 0.30, 0.06)
    hit = np.where(risky, gen.random(n) < 0.85, gen.random(n) < 0.03)
    inspections = []
    for j in np.flatnonzero(inspected):
        row = decl.iloc[j]
        finding = row["_risk"] if (risky[j] and hit[j]) else ("quantity" if hit[j] else "none")
        recovered = (
            round(float(row["value_usd"]) * max(float(row["duty_rate"]), 0.05) * 1.5, 2) if hit[j] else 0.0
        )
        inspections.append(
            [
                f"INS{len(inspections) + 1:07d}",
                row["entry_no"],
                row["date"],
                "hit" if hit[j] else "clear",
                finding,
                recovered,
                f"OFF{rng.randint(1, 300):03d}",
            ]
        )
    lab = []
    for j in np.flatnonzero(gen.random(n) < 0.01):
        row = decl.iloc[j]
        failed = row["_risk"] == "hs_misdeclaration" and rng.random() < 0.6
        lab.append(
            [
                f"LAB{len(lab) + 1:06d}",
                row["entry_no"],
                row["date"],
                rng.choice(["composition", "moisture", "purity"]),
                "fail" if failed else "pass",
                rng.choice(["广州海关技术中心", "深圳海关技术中心", "上海海关技术中心"]),
            ]
        )
    audits = []
    for ent in b.enterprises:
        if rng.random() < 0.03:
            audits.append(
                [
                    f"AUD{len(audits) + 1:06d}",
                    ent.uscc,
                    day(rng.randrange(DAYS)),
                    rng.choice(["none", "undervaluation", "classification"]),
                    rng.choice(["compliant", "compliant", "irregular", "referred"]),
                ]
            )
    b.truth["risky_declarations"] = [
        {"entry_no": e, "kind": k} for e, k in zip(decl["entry_no"][risky], decl["_risk"][risky], strict=True)
    ]
    # background cases: a few ordinary enterprises, some with their legal representative
    legal_rep = {uscc: person for person, uscc, role, _, _ in b.roles if role == "legal_rep"}
    background = [e for e in b.enterprises if e.gang is None and not e.broker]
    entries_of = decl.groupby("consignee_uscc")["entry_no"].first().to_dict()
    for ent in rng.sample(background, k=max(3, len(background) // 150)):
        case_id = f"C{len(b.cases) + 1:05d}"
        kind = "criminal" if rng.random() < 0.25 else "administrative"
        b.cases.append(
            [
                case_id,
                kind,
                f"{ent.name}{'走私' if kind == 'criminal' else '申报不实'}案",
                day(rng.randrange(DAYS)),
                rng.choice(["misdeclaration", "smuggling of ordinary goods", "tax evasion"]),
                ent.unit,
                "true" if rng.random() < 0.2 else "false",
            ]
        )
        b.case_subjects.append([case_id, "Enterprise", ent.uscc, "suspect"])
        if rng.random() < 0.5 and ent.uscc in legal_rep:
            b.case_subjects.append([case_id, "Person", legal_rep[ent.uscc], "suspect"])
        if ent.uscc in entries_of:
            b.case_subjects.append([case_id, "Declaration", entries_of[ent.uscc], "evidence"])
    criminal = {c[0] for c in b.cases if c[1] == "criminal"}
    layer1 = sorted({s[2] for s in b.case_subjects if s[1] == "Enterprise"})
    persons = sorted({s[2] for s in b.case_subjects if s[1] == "Person" and s[0] in criminal})
    office = {"legal_rep", "shareholder", "manager"}
    layer2 = sorted(
        {uscc for person, uscc, role, _, _ in b.roles if role in office and person in set(persons)}
    )
    b.truth["case_subjects"] = {
        "layer1_enterprises": layer1,
        "criminal_persons": persons,
        "layer2_enterprises": layer2,
    }
    return {"inspections": inspections, "lab_tests": lab, "audits": audits}


def _background_relations(b: WorldBuilder) -> None:
    rng = b.rng
    background = [e for e in b.enterprises if e.gang is None]
    for _ in range(int(len(background) * 1.2)):
        seller, buyer = rng.sample(background, 2)
        b.transactions.append(
            [
                seller.uscc,
                buyer.uscc,
                round(rng.uniform(1e4, 1e6), 2),
                rng.randint(1, 12),
                day(rng.randrange(300)),
                day(rng.randrange(300, DAYS)),
            ]
        )
    for _ in range(len(background) // 2):
        a, c = rng.sample(background, 2)
        b.payments.append([a.account, c.account, round(rng.uniform(1e3, 1e5), 2), rng.randint(1, 5)])


def _person_variant(rng: Any, name: str) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return f"{name[0]} {name[1:]}"
    if kind == 1:
        return name + "\u3000"
    return name


def _records(b: WorldBuilder) -> dict[str, list[list[Any]]]:
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
                    _person_variant(rng, person["name"]) if rng.random() < 0.3 else person["name"],
                    person["phone"],
                    person["address"],
                ]
            )
            b.truth["person_identity"][record_id] = id_hash
    enterprises: list[list[Any]] = []
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
                ]
            )
            b.truth["enterprise_identity"][record_id] = ent.uscc
    return {"people": people, "enterprises": enterprises}


def _write(
    b: WorldBuilder,
    out: Path,
    parties: list[dict[str, Any]],
    vessels: list[str],
    decl: pd.DataFrame,
    events: dict[str, list[list[Any]]],
    records: dict[str, list[list[Any]]],
    owner: dict[tuple[str, str], str],
) -> None:
    _csv(
        out / "ports.csv",
        ["code", "name", "city", "lat", "lon"],
        [[p["code"], p["name"], p["city"], p["lat"], p["lon"]] for p in PORTS],
    )
    _csv(out / "countries.csv", ["code", "name", "name_zh"], [list(c) for c in COUNTRIES])
    _csv(
        out / "hs_codes.csv",
        ["id", "chapter", "description"],
        [[h["id"], h["chapter"], h["description"]] for h in HEADINGS.values()],
    )
    _csv(
        out / "enterprises.csv",
        [
            "uscc",
            "name",
            "name_en",
            "region",
            "industry",
            "registered_on",
            "status",
            "credit_rating",
            "unit",
            "address",
            "phone",
            "bank_account",
        ],
        [
            [
                e.uscc,
                e.name,
                "",
                e.region,
                e.industry,
                e.registered_on,
                "active",
                "general",
                e.unit,
                e.address,
                e.phone,
                e.account,
            ]
            for e in b.enterprises
        ],
    )
    _csv(
        out / "persons.csv",
        ["id_hash", "name", "gender", "birth_year", "phone", "address", "bank_account"],
        [
            [
                p["id_hash"],
                p["name"],
                p["gender"],
                p["birth_year"],
                p["phone"],
                p["address"],
                p["bank_account"],
            ]
            for p in b.persons.values()
        ],
    )
    _csv(out / "roles.csv", ["id_hash", "uscc", "role", "since", "share"], b.roles)
    _csv(out / "ownership.csv", ["owner_uscc", "owned_uscc", "share", "since"], b.ownership)
    _csv(
        out / "vehicles.csv",
        ["plate", "kind", "registered_region", "owner_uscc", "use_kind", "driver_id_hash"],
        b.vehicles,
    )
    _csv(
        out / "vessels.csv",
        ["imo", "mmsi", "name", "flag", "kind"],
        [
            [
                imo,
                f"4{i:08d}",
                f"{b.rng.choice(names.EN_WORDS)} {b.rng.choice(names.EN_WORDS)}",
                b.rng.choice(["HK", "SG", "CN", "KR"]),
                "container",
            ]
            for i, imo in enumerate(vessels)
        ],
    )
    decl.drop(columns=["_risk"]).to_csv(out / "declarations.csv", index=False, lineterminator="\n")
    _csv(
        out / "inspections.csv",
        ["id", "entry_no", "date", "outcome", "finding", "recovered_duty", "officer"],
        events["inspections"],
    )
    _csv(out / "lab_tests.csv", ["id", "entry_no", "date", "item", "result", "lab"], events["lab_tests"])
    _csv(out / "audits.csv", ["id", "uscc", "date", "finding", "result"], events["audits"])
    _csv(out / "cases.csv", ["id", "kind", "title", "opened_on", "charge", "unit", "restricted"], b.cases)
    _csv(out / "case_subjects.csv", ["case_id", "subject_label", "subject_key", "role"], b.case_subjects)
    _csv(
        out / "transactions.csv",
        ["seller_uscc", "buyer_uscc", "amount", "count", "first_on", "last_on"],
        b.transactions,
    )
    _csv(out / "payments.csv", ["from_account", "to_account", "amount", "count"], b.payments)
    _csv(
        out / "person_records.csv",
        ["record_id", "source", "id_hash", "name", "phone", "address"],
        records["people"],
    )
    _csv(
        out / "enterprise_records.csv",
        ["record_id", "source", "uscc", "name", "address"],
        records["enterprises"],
    )
    used = set(zip(decl["overseas_name"], decl["overseas_country"], strict=True))
    b.truth["overseas_identity"] = [
        {"name": name, "country": country, "party": owner[(name, country)]} for name, country in sorted(used)
    ]
    (out / "ground_truth.json").write_text(
        json.dumps(b.truth, ensure_ascii=False, indent=1), encoding="utf-8"
    )
