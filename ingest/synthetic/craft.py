"""Records other agencies hold about the world's vehicles and vessels, for entity resolution.

Vehicles: registry, insurance, traffic-police and port-gate records; some plates were re-registered (a new
plate, the VIN and engine number unchanged, the owner sometimes changed), and some registry extracts of the
new plate carry neither VIN nor engine number (only the owner, make, model and colour tie them to the old
plate). Decoys: fleets of identical trucks bought together (one owner, make, model and colour, consecutive
VINs and engine numbers), and gate cameras that misread a plate.

Vessels: registry, port-call, AIS and manifest records; some ships were renamed and re-flagged (the IMO
number stays; the name, flag and MMSI change), and a released MMSI is later used by another ship. Decoys:
sister ships (same type, year, tonnage and flag, a similar name, another IMO number) and ships using a
reused MMSI.

Everything random comes from a generator of its own (seeded from the world's seed), so the rest of the
world's files stay what they were. The true subject of each record goes into the ground truth:
``vehicle_identity`` (record id -> the vehicle's current plate) and ``vessel_identity`` (record id -> IMO).
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import yaml

from ingest.synthetic.builder import WorldBuilder
from ingest.synthetic.parties import vessel_imo
from tianji.core.resources import package_path

DATA: dict[str, Any] = yaml.safe_load(
    package_path("ingest.synthetic", "craft.yaml").read_text(encoding="utf-8")
)
#: each source's name (craft.yaml), by the part it plays in the records
CAR = dict(DATA["vehicle_sources"])
SHIP = dict(DATA["vessel_sources"])
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
VEHICLE_COLUMNS = [
    "record_id",
    "source",
    "plate",
    "vin",
    "engine_no",
    "make",
    "model",
    "colour",
    "owner_uscc",
    "registered_on",
]
VESSEL_COLUMNS = [
    "record_id",
    "source",
    "imo",
    "mmsi",
    "name",
    "flag",
    "ship_type",
    "build_year",
    "gross_tonnage",
]


def craft_rng(b: WorldBuilder) -> random.Random:
    return random.Random(f"craft-{b.seed}")


def _description(rng: random.Random) -> dict[str, Any]:
    make = rng.choice(sorted(DATA["makes"]))
    spec = DATA["makes"][make]
    return {
        "make": make,
        "model": rng.choice(spec["models"]),
        "colour": rng.choice(DATA["colours"]),
        "vin": spec["wmi"]
        + "".join(rng.choice(VIN_CHARS) for _ in range(6))
        + rng.choice("NPRS")
        + rng.choice("ABCDEFGH"),
        "serial": rng.randrange(100_000, 900_000),
        "engine": "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)),
        "engine_serial": rng.randrange(10_000_000, 90_000_000),
    }


def _misread(rng: random.Random, plate: str) -> str:
    """A gate camera's misreading: one digit of the plate read as another."""
    spots = [i for i, ch in enumerate(plate) if ch.isdigit()]
    i = rng.choice(spots)
    return plate[:i] + rng.choice([d for d in "0123456789" if d != plate[i]]) + plate[i + 1 :]


def vehicle_records(b: WorldBuilder, rng: random.Random) -> tuple[list[list[Any]], dict[str, str]]:
    owner_of: dict[str, str] = {}
    for plate, _kind, _region, owner, _use, _driver in b.vehicles:
        owner_of.setdefault(plate, owner)
    fleets: dict[str, list[str]] = defaultdict(list)
    for plate, owner in owner_of.items():
        fleets[owner].append(plate)
    owners = sorted(fleets)
    rows: list[list[Any]] = []
    truth: dict[str, str] = {}
    seq = 0

    def emit(vehicle: str, values: dict[str, Any]) -> None:
        rid = f"VR{len(rows) + 1:07d}"
        rows.append([rid, *(values.get(c, "") for c in VEHICLE_COLUMNS[1:])])
        truth[rid] = vehicle

    for owner in owners:
        identical = len(fleets[owner]) > 1 and rng.random() < 0.6  # bought together: one description
        shared = _description(rng)
        for k, plate in enumerate(fleets[owner]):
            desc = shared if identical else _description(rng)
            full = {
                "vin": f"{desc['vin']}{desc['serial'] + k:06d}",
                "engine_no": f"{desc['engine']}{desc['engine_serial'] + k:08d}",
                "make": desc["make"],
                "model": desc["model"],
                "colour": desc["colour"],
            }
            registrations = [(plate, owner, f"20{rng.randint(22, 25)}-{rng.randint(1, 12):02d}-15")]
            if rng.random() < 0.3:  # re-registered: the old plate's records carry the same VIN
                seq += 1
                old = f"{plate[0]}{rng.choice('ABCDEFGHJK')}R{seq:05d}"
                old_owner = owner if rng.random() < 0.6 else rng.choice(owners)
                registrations.insert(0, (old, old_owner, f"20{rng.randint(15, 21)}-06-01"))
            same_owner = registrations[0][1] == owner
            for number, (shown, holder, since) in enumerate(registrations):
                base = {**full, "plate": shown, "owner_uscc": holder, "registered_on": since}
                registry = dict(base)
                if number and same_owner and rng.random() < 0.25:  # no VIN, no engine number: the owner,
                    # make, model and colour tie the new plate to the old
                    registry["vin"] = registry["engine_no"] = ""
                emit(plate, {"source": CAR["registry"], **registry})
                if rng.random() < 0.6:
                    emit(
                        plate,
                        {
                            "source": CAR["insurance"],
                            **base,
                            "vin": base["vin"] if rng.random() < 0.7 else "",
                            "engine_no": base["engine_no"] if rng.random() < 0.5 else "",
                            "colour": base["colour"] if rng.random() < 0.7 else "",
                            "registered_on": "",
                        },
                    )
                if rng.random() < 0.5:
                    emit(
                        plate,
                        {
                            "source": CAR["police"],
                            "plate": shown,
                            "make": desc["make"],
                            "colour": desc["colour"],
                        },
                    )
                if rng.random() < 0.5:
                    read = _misread(rng, shown) if rng.random() < 0.05 else shown
                    emit(plate, {"source": CAR["gate"], "plate": read, "colour": desc["colour"]})
    return rows, truth


def _mmsi(rng: random.Random, flag: str, taken: set[str]) -> str:
    while True:
        mmsi = rng.choice(DATA["flags"][flag]) + f"{rng.randrange(0, 1_000_000):06d}"
        if mmsi not in taken:
            taken.add(mmsi)
            return mmsi


def _ship_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = f"{rng.choice(DATA['ship_words'])} {rng.choice(DATA['ship_words'])}"
        if name not in taken:
            taken.add(name)
            return name


def _sister_name(rng: random.Random, name: str, taken: set[str]) -> str:
    """A sister ship's or a namesake's name: a number added, or one word changed."""
    words = name.split()
    for _ in range(50):
        kind = rng.randrange(3)
        if kind == 0:
            candidate = f"{name} {rng.choice(['II', 'III', '2', '3'])}"
        elif kind == 1:
            candidate = f"{words[0]} {rng.choice(DATA['ship_words'])}"
        else:
            candidate = f"{name}S" if not name.endswith("S") else name[:-1]
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    return _ship_name(rng, taken)


def _written(rng: random.Random, name: str, source: str) -> str:
    """A ship's name as a source writes it: a prefix (M/V), or an AIS typo."""
    if source in (SHIP["port_call"], SHIP["manifest"]) and rng.random() < 0.3:
        return f"{rng.choice(DATA['ship_prefixes'])} {name}"
    if source == SHIP["ais"] and rng.random() < 0.15:
        i = rng.randrange(len(name))
        if name[i] != " ":
            return name[:i] + rng.choice("ABCDEFGHIKLMNOPRSTUVWY") + name[i + 1 :]
    return name


def vessel_records(vessels: list[list[Any]], rng: random.Random) -> tuple[list[list[Any]], dict[str, str]]:
    """``vessels`` are the world's vessels.csv rows (imo, mmsi, name, flag, kind)."""
    rows: list[list[Any]] = []
    truth: dict[str, str] = {}
    imos = {str(v[0]) for v in vessels}
    mmsis = {str(v[1]) for v in vessels}
    names = {str(v[2]) for v in vessels}
    flags = sorted(DATA["flags"])

    def new_imo() -> str:
        while True:
            imo = vessel_imo(rng)
            if imo not in imos:
                imos.add(imo)
                return imo

    def emit(ship: dict[str, Any], era: dict[str, str], source: str) -> None:
        rid = f"SR{len(rows) + 1:07d}"
        full = source == SHIP["registry"]
        values = {
            "source": source,
            "imo": ship["imo"]
            if full or rng.random() < {SHIP["port_call"]: 0.85, SHIP["ais"]: 0.3}.get(source, 0.6)
            else "",
            "mmsi": era["mmsi"] if full or source == SHIP["ais"] or rng.random() < 0.7 else "",
            "name": _written(rng, era["name"], source),
            "flag": era["flag"] if source != SHIP["ais"] else "",
            "ship_type": ship["type"] if source != SHIP["manifest"] else "",
            "build_year": ship["year"] if source in (SHIP["registry"], SHIP["port_call"]) else "",
            "gross_tonnage": ship["gt"] if full else "",
        }
        rows.append([rid, *(values[c] for c in VESSEL_COLUMNS[1:])])
        truth[rid] = ship["imo"]

    def records(ship: dict[str, Any], eras: list[dict[str, str]]) -> None:
        for number, era in enumerate(eras):
            last = number == len(eras) - 1
            if last or rng.random() < 0.7:
                emit(ship, era, SHIP["registry"])
            for _ in range(rng.randint(1, 2)):
                emit(ship, era, SHIP["port_call"])
            emit(ship, era, SHIP["ais"])
            if rng.random() < 0.5:
                emit(ship, era, SHIP["manifest"])

    released: list[str] = []
    for imo, mmsi, name, flag, kind in vessels:
        ship = {
            "imo": str(imo),
            "type": kind,
            "year": rng.randint(1998, 2022),
            "gt": rng.randrange(8_000, 160_000, 10),
        }
        eras = [{"name": str(name), "flag": str(flag), "mmsi": str(mmsi)}]
        if rng.random() < 0.35:  # renamed and re-flagged (or only re-flagged): the IMO number stays
            old_flag = rng.choice([f for f in flags if f != flag])
            old_name = _ship_name(rng, names) if rng.random() < 0.8 else str(name)
            eras.insert(0, {"name": old_name, "flag": old_flag, "mmsi": _mmsi(rng, old_flag, mmsis)})
            released.append(eras[0]["mmsi"])
        records(ship, eras)
        if rng.random() < 0.35:  # a sister ship: same yard, type, year, tonnage and flag, a similar name
            sister = {**ship, "imo": new_imo()}
            sister_flag = str(flag) if str(flag) in DATA["flags"] else rng.choice(flags)
            era = {"name": _sister_name(rng, str(name), names), "flag": sister_flag}
            records(sister, [{**era, "mmsi": _mmsi(rng, sister_flag, mmsis)}])
    for mmsi in released:
        if rng.random() < 0.5:  # the released MMSI now names another ship
            other = {
                "imo": new_imo(),
                "type": rng.choice(DATA["ship_types"]),
                "year": rng.randint(1998, 2022),
                "gt": rng.randrange(8_000, 160_000, 10),
            }
            flag = next(f for f, digits in DATA["flags"].items() if mmsi[:3] in digits)
            records(other, [{"name": _ship_name(rng, names), "flag": flag, "mmsi": mmsi}])
    return rows, truth
