"""Planted gangs: shells from a template, their loops and vehicles, their case, and their drift."""

from __future__ import annotations

from typing import Any

from ingest.synthetic.builder import WorldBuilder
from ingest.synthetic.model import TEMPLATES, Enterprise
from ingest.synthetic.reference import DRIFT_FROM, PORTS, START, PortRecord, day, days_between


def plant_gang(b: WorldBuilder, index: int) -> None:
    """One gang from its template: shells sharing an address, phones and accounts, its people and vehicles,
    a trade loop and an ownership loop; most are caught (a case) and then drift."""
    gang_id = f"G{index + 1:03d}"
    template = list(TEMPLATES)[index % len(TEMPLATES)]
    shells, n_people, _, n_phones, n_accounts, n_vehicles, loop_len, own_len = TEMPLATES[template]
    port = b.rng.choice(PORTS)
    city = port["city"]
    address = b.new_address(city)
    phones = [b.new_phone() for _ in range(n_phones)]
    accounts = [b.new_account() for _ in range(n_accounts)]
    start = b.rng.randrange(0, 200)
    members: list[Enterprise] = []
    for k in range(shells):
        ent = b.enterprise(
            registered=start + b.rng.randrange(0, 60),
            gang=gang_id,
            address=address,
            phone=phones[k % len(phones)],
            account=accounts[k % len(accounts)] if accounts else None,
            city=city,
        )
        ent.activity = float(b.rng.uniform(2.0, 5.0))
        ent.ports = [port["code"]]
        members.append(ent)
    people = [b.new_person() for _ in range(n_people)]
    for k, ent in enumerate(members):
        rep = people[k % len(people)]
        b.role(rep, ent, "legal_rep")
        for person in people:
            b.role(person, ent, "shareholder", share=f"{1 / len(people):.2f}")
        if template == "chain4":
            b.role(people[-1], ent, "manager")
    vehicles = []
    for k in range(n_vehicles):
        plate = b.new_plate()
        driver = b.new_person()
        vehicles.append(plate)
        for ent in members[k::n_vehicles]:
            b.vehicles.append([plate, "container truck", port["region"], ent.uscc, "lease", driver])
            break
    loop = [m.uscc for m in members[:loop_len]]
    for a, c in zip(loop, loop[1:] + loop[:1], strict=True):
        b.transactions.append(
            [
                a,
                c,
                round(b.rng.uniform(1e5, 5e6), 2),
                b.rng.randint(3, 30),
                day(start + 70),
                day(start + 300),
            ]
        )
    own = [m.uscc for m in members[-own_len:]] if own_len else []
    for a, c in zip(own, own[1:] + own[:1], strict=True):
        b.ownership.append([a, c, 0.3, day(start + 65)])
    for a, c in zip(accounts, accounts[1:] + accounts[:1], strict=True):
        if a != c:
            b.payments.append([a, c, round(b.rng.uniform(1e4, 1e6), 2), b.rng.randint(2, 20)])
    record = {
        "id": gang_id,
        "template": template,
        "enterprises": [m.uscc for m in members],
        "persons": people,
        "vehicles": vehicles,
        "addresses": [address],
        "phones": phones,
        "accounts": accounts,
        "trade_loop": loop,
        "ownership_loop": own,
        "ports": [port["code"]],
        "case_id": None,
    }
    if len(vehicles) >= 2:
        b.truth["companion_groups"].append(vehicles)
    if index % 5 != 4:  # most gangs are caught, and then drift
        case_and_drift(b, record, members, people, port)
    b.truth["gangs"].append(record)


def case_and_drift(
    b: WorldBuilder,
    record: dict[str, Any],
    members: list[Enterprise],
    people: list[str],
    port: PortRecord,
) -> None:
    """The gang's case; its members go quiet, and new shells take over at another port (change of vest,
    port drift), recorded in the ground truth."""
    opened = open_case(b, record, members, people, port)
    for ent in members:  # the caught members go quiet soon after the case; new shells take over
        ent.last_day = opened + b.rng.randrange(0, 20)
    new_port = b.rng.choice([p for p in PORTS if p["code"] != port["code"]])
    registered = days_between(START, DRIFT_FROM) + b.rng.randrange(0, 60)
    shells = []
    for _ in range(b.rng.choice((2, 3))):
        ent = b.enterprise(
            registered=registered + b.rng.randrange(0, 20),
            gang=record["id"],
            address=record["addresses"][0],
            phone=record["phones"][0],
            city=port["city"],
        )
        ent.activity = float(b.rng.uniform(3.0, 6.0))
        ent.ports = [new_port["code"]]
        b.role(people[-1], ent, "legal_rep")
        shells.append(ent)
    date = day(registered)
    b.truth["drift_events"].append(
        {
            "gang": record["id"],
            "kind": "change_of_vest",
            "date": date,
            "enterprises": [s.uscc for s in shells],
            "port": None,
        }
    )
    b.truth["drift_events"].append(
        {
            "gang": record["id"],
            "kind": "port_drift",
            "date": date,
            "enterprises": [s.uscc for s in shells],
            "port": new_port["code"],
        }
    )
    record["drift_enterprises"] = [s.uscc for s in shells]


def open_case(
    b: WorldBuilder, record: dict[str, Any], members: list[Enterprise], people: list[str], port: PortRecord
) -> int:
    """A case against the gang's first members and its first person, a few months before drift begins;
    return the day it was opened."""
    opened = days_between(START, DRIFT_FROM) - b.rng.randrange(30, 120)
    case_id = f"C{len(b.cases) + 1:05d}"
    kind = "criminal" if b.rng.random() < 0.5 else "administrative"
    b.cases.append(
        [
            case_id,
            kind,
            f"{members[0].name}涉嫌走私案",
            day(opened),
            "smuggling of ordinary goods",
            port["unit"],
            "true" if b.rng.random() < 0.3 else "false",
        ]
    )
    for ent in members[:2]:
        b.case_subjects.append([case_id, "Enterprise", ent.uscc, "suspect"])
    b.case_subjects.append([case_id, "Person", people[0], "suspect"])
    record["case_id"] = case_id
    b.opened[record["id"]] = opened
    return opened
