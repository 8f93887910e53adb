"""Gangs of varied shape, for the medium and hard worlds: dense rings of 3 to 20 shells, sparse rings tied
only by one bank account or one phone, rings owned through two holding layers by a hidden controller;
some overlap (a nominee serving two gangs), some split over two ports when they drift, some keep standby
shells registered before their case, some stop instead of drifting. Ties go missing, drift ties are
recorded late. The shape of each gang is its ``template`` in the ground truth.
"""

from __future__ import annotations

from typing import Any

from ingest.synthetic.builder import WorldBuilder
from ingest.synthetic.gangs import open_case
from ingest.synthetic.model import Enterprise
from ingest.synthetic.reference import DRIFT_FROM, PORTS, START, PortRecord, day, days_between


def _shape(b: WorldBuilder) -> str:
    d, r = b.difficulty, b.rng.random()
    if r < d.holding_share:
        return "holding"
    if r < d.holding_share + d.sparse_share:
        return b.rng.choice(["account_only", "phone_only"])
    return "dense"


def _size(b: WorldBuilder, shape: str) -> int:
    lo, hi = b.difficulty.gang_sizes or (4, 6)
    if shape != "dense":
        hi = min(hi, 8)
    return lo + int((hi - lo + 1) * b.rng.random() ** 1.5)  # most gangs are small, a few are large


def _address(b: WorldBuilder, city: str) -> str:
    if b.rng.random() < b.difficulty.gang_in_park:
        address = b.new_address(city)
        b.parks.append((address, city))
        return address
    return b.new_address(city)


def _trades(b: WorldBuilder, members: list[str], start: int) -> list[str]:
    """A closed loop over up to six members; every other member trades with one of the loop."""
    loop = members[: min(len(members), b.rng.randint(3, 6))]
    pairs = list(zip(loop, loop[1:] + loop[:1], strict=True))
    pairs += [(m, b.rng.choice(loop)) for m in members[len(loop) :]]
    for a, c in pairs:
        b.transactions.append(
            [a, c, round(b.rng.uniform(1e5, 5e6), 2), b.rng.randint(3, 30), day(start + 70), day(start + 300)]
        )
    return loop


def plant_varied_gang(b: WorldBuilder, index: int, nominees: list[str]) -> None:
    """One gang of a shape drawn from the difficulty; ``nominees`` are people serving earlier gangs."""
    d, rng = b.difficulty, b.rng
    gang_id = f"G{index + 1:03d}"
    shape = _shape(b)
    size = _size(b, shape)
    port = rng.choice(PORTS)
    city = port["city"]
    address = _address(b, city)
    start = rng.randrange(0, 200)
    ports = [port["code"]]
    if d.second_port and rng.random() < 0.5:
        ports.append(rng.choice([p["code"] for p in PORTS if p["code"] != port["code"]]))
    dense = shape == "dense"
    phones = [b.new_phone() for _ in range(max(1, size // 4) if dense else 1)]
    accounts = [b.new_account() for _ in range(max(1, size // 5) if dense else 1)]
    people = [b.new_person() for _ in range(rng.randint(1, 3))] if dense else []
    shares_address, shares_phone = shape in ("dense", "holding"), shape != "account_only"
    members: list[Enterprise] = []
    for k in range(size):
        missing = bool(d.missing_links) and k > 0 and rng.random() < d.missing_links
        ent = b.enterprise(
            registered=start + rng.randrange(0, 60),
            gang=gang_id,
            address=address if shares_address and not missing else None,
            phone=phones[k % len(phones)] if shares_phone and not missing else None,
            account=accounts[k % len(accounts)] if shape in ("dense", "account_only") else None,
            city=city,
        )
        ent.activity = float(rng.uniform(2.0, 5.0))
        ent.ports = list(ports)
        members.append(ent)
        if dense:
            b.role(people[k % len(people)], ent, "legal_rep")
            for person in people:
                if not (d.missing_links and rng.random() < d.missing_links):
                    b.role(person, ent, "shareholder", share=f"{1 / len(people):.2f}")
        else:  # a straw man of its own on each shell
            straw = b.new_person()
            b.role(straw, ent, "legal_rep")
            people = people or [straw]
    if nominees and d.overlap_share and rng.random() < d.overlap_share:
        b.role(rng.choice(nominees), members[-1], "shareholder", share="0.10")
    nominees.append(people[0])
    owners: list[Enterprise] = []
    controller = people[0]
    if shape == "holding":  # controller -> holding -> two intermediates -> the operating shells
        controller = b.new_person()
        holding = b.enterprise(registered=start, gang=gang_id, city=city)
        owners = [holding] + [b.enterprise(registered=start + 5, gang=gang_id, city=city) for _ in range(2)]
        for owner in owners:
            owner.activity = 0.0
            owner.dormant = True
        b.role(controller, holding, "legal_rep")
        b.role(controller, holding, "shareholder", share="1.00")
        for mid in owners[1:]:
            b.role(b.new_person(), mid, "legal_rep")
            b.ownership.append([holding.uscc, mid.uscc, 1.0, day(start + 5)])
        for k, ent in enumerate(members):
            b.ownership.append([owners[1 + k % 2].uscc, ent.uscc, 0.9, day(start + 30)])
    if shape == "phone_only":  # money goes round their separate accounts
        for a, c in zip(members, members[1:] + members[:1], strict=True):
            b.payments.append([a.account, c.account, round(rng.uniform(1e4, 1e6), 2), rng.randint(2, 20)])
    elif len(accounts) > 1:
        for a2, c2 in zip(accounts, accounts[1:] + accounts[:1], strict=True):
            b.payments.append([a2, c2, round(rng.uniform(1e4, 1e6), 2), rng.randint(2, 20)])
    vehicles = []
    for k in range(max(1, size // 4)):
        plate = b.new_plate()
        vehicles.append(plate)
        b.vehicles.append(
            [plate, "container truck", port["region"], members[k].uscc, "lease", b.new_person()]
        )
    loop = _trades(b, [m.uscc for m in members], start)
    own: list[str] = []
    if dense and size >= 4 and rng.random() < 0.4:
        own = [m.uscc for m in members[-3:]]
        for a3, c3 in zip(own, own[1:] + own[:1], strict=True):
            b.ownership.append([a3, c3, 0.3, day(start + 65)])
    record: dict[str, Any] = {
        "id": gang_id,
        "template": shape,
        "enterprises": [m.uscc for m in owners + members],
        "persons": people if shape != "holding" else [controller],
        "vehicles": vehicles,
        "addresses": [address],
        "phones": phones,
        "accounts": accounts,
        "trade_loop": loop,
        "ownership_loop": own,
        "ports": ports,
        "case_id": None,
        "in_park": (address, city) in b.parks,
    }
    if shape in ("dense", "holding"):  # a sparse ring's straw men control nothing
        record["controller"] = controller
    if len(vehicles) >= 2:
        b.truth["companion_groups"].append(vehicles)
    if index % 5 != 4:
        varied_drift(b, record, members, people, port)
    b.truth["gangs"].append(record)


def varied_drift(
    b: WorldBuilder, record: dict[str, Any], members: list[Enterprise], people: list[str], port: PortRecord
) -> None:
    """The case; the caught members go quiet; most gangs take over new shells at one or two new ports
    (some registered before the case and kept dormant till then), tied through the gang's last person."""
    d, rng = b.difficulty, b.rng
    opened = open_case(b, record, members, people, port)
    for ent in members:
        ent.last_day = opened + rng.randrange(0, 20)
    if d.dissolve_share and rng.random() < d.dissolve_share:
        record["dissolved"] = True
        return
    used = set(record["ports"])
    new_ports = rng.sample(
        [p for p in PORTS if p["code"] not in used], k=2 if rng.random() < d.split_share else 1
    )
    drift_day = days_between(START, DRIFT_FROM) + rng.randrange(0, 60)
    standby = bool(d.standby_share) and rng.random() < d.standby_share
    shells: list[Enterprise] = []
    for k in range(rng.choice((2, 3)) * len(new_ports)):
        registered = rng.randrange(30, opened - 30) if standby else drift_day + rng.randrange(0, 20)
        ent = b.enterprise(
            registered=registered,
            gang=record["id"],
            address=record["addresses"][0],
            phone=record["phones"][0],
            city=port["city"],
        )
        ent.first_day = max(registered, drift_day)
        ent.activity = float(rng.uniform(3.0, 6.0))
        target = new_ports[k % len(new_ports)]
        ent.ports = [target["code"]]
        late = d.late_records and rng.random() < d.late_records
        since = day(ent.first_day + rng.randrange(60, 180)) if late else None
        b.role(people[-1], ent, "legal_rep", since=since)
        shells.append(ent)
    date = day(drift_day)
    b.truth["drift_events"].append(
        {
            "gang": record["id"],
            "kind": "change_of_vest",
            "date": date,
            "enterprises": [s.uscc for s in shells],
            "port": None,
            "standby": standby,
        }
    )
    for target in new_ports:
        b.truth["drift_events"].append(
            {
                "gang": record["id"],
                "kind": "port_drift",
                "date": date,
                "enterprises": [s.uscc for s in shells if s.ports == [target["code"]]],
                "port": target["code"],
            }
        )
    record["drift_enterprises"] = [s.uscc for s in shells]
