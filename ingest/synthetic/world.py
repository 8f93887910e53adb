"""The synthetic customs world: subjects, relations, declarations and what is planted in them.

``generate_world(scale, seed, out)`` writes the files described in ``docs/world.md``. The same scale
and seed give identical files. Everything random comes from one seeded ``random.Random`` (structure)
and one seeded ``numpy`` generator (the bulk of the declarations).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from ingest.keys import hash_id_number
from ingest.synthetic import names
from ingest.synthetic.reference import COUNTRIES, DRIFT_FROM, HS_HEADINGS, PORTS, START, day, days_between
from ontology.types import USCCType


@dataclass(frozen=True)
class Scale:
    declarations: int
    enterprises: int
    parties: int
    people: int
    vehicles: int
    vessels: int
    gangs: int


SCALES = {
    "small": Scale(2_000, 300, 150, 500, 120, 20, 6),
    "medium": Scale(100_000, 6_000, 3_000, 10_000, 2_000, 200, 40),
    "large": Scale(1_000_000, 50_000, 25_000, 80_000, 15_000, 1_000, 300),
}

TEMPLATES = {
    # name: (shells, people, shared addresses, shared phones, shared accounts, vehicles, trade loop, ownership loop)
    "ring5": (5, 1, 1, 1, 1, 2, 5, 0),
    "star6": (6, 2, 1, 2, 0, 2, 3, 3),
    "chain4": (4, 3, 1, 1, 1, 1, 4, 0),
}


@dataclass
class Enterprise:
    uscc: str
    name: str
    city: str
    region: str
    unit: str
    home_port: str
    registered_on: str
    address: str
    phone: str
    account: str
    industry: str
    hs: list[str]
    origins: list[str]
    partners: list[int]
    activity: float
    gang: str | None = None
    broker: bool = False
    first_day: int = 0  # first day it may declare (its registration, for shells)
    last_day: int | None = None  # last day it declares (a caught gang's members go quiet); None: to the end
    ports: list[str] = field(default_factory=list)


class WorldBuilder:
    def __init__(self, scale: str, seed: int) -> None:
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
        self.scale_name = scale
        self.scale = SCALES[scale]
        self.seed = seed
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.enterprises: list[Enterprise] = []
        self.persons: dict[str, dict[str, Any]] = {}
        self.roles: list[list[Any]] = []
        self.ownership: list[list[Any]] = []
        self.vehicles: list[list[Any]] = []
        self.transactions: list[list[Any]] = []
        self.payments: list[list[Any]] = []
        self.cases: list[list[Any]] = []
        self.case_subjects: list[list[Any]] = []
        self.truth: dict[str, Any] = {
            "gangs": [],
            "drift_events": [],
            "risky_declarations": [],
            "overseas_identity": [],
            "person_identity": {},
            "enterprise_identity": {},
            "companion_groups": [],
        }
        self._uscc_seq = 0
        self._id_seq = 0
        self._phone_seq = 0
        self._account_seq = 0
        self._plate_seq = 0
        self._names: set[str] = set()

    # -- keys ---------------------------------------------------------------------------------------

    def new_uscc(self, region_code: str) -> str:
        self._uscc_seq += 1
        body = f"91{region_code}MA{self._uscc_seq:07d}"
        return body + USCCType.check_digit(body)

    def new_person(self, name: str | None = None, *, birth: int | None = None) -> str:
        self._id_seq += 1
        number = f"440{self._id_seq % 1000:03d}{birth or self.rng.randint(1960, 1999)}0101{self._id_seq:04d}"[
            -18:
        ]
        id_hash = hash_id_number(number)
        self._phone_seq += 1
        self.persons[id_hash] = {
            "id_hash": id_hash,
            "name": name or names.person_name(self.rng),
            "gender": self.rng.choice("MF"),
            "birth_year": birth or self.rng.randint(1960, 1999),
            "phone": f"139{self._phone_seq:08d}",
            "address": "",
            "bank_account": "",
        }
        return id_hash

    def new_phone(self) -> str:
        self._phone_seq += 1
        return f"138{self._phone_seq:08d}"

    def new_account(self) -> str:
        self._account_seq += 1
        return f"6222{self._account_seq:012d}"

    def new_address(self, city: str) -> str:
        return (
            f"{city}市{self.rng.choice(['天河', '黄埔', '南山', '宝安', '北仑', '浦东', '滨海', '城阳', '良庆'])}区"
            f"{self.rng.choice(['港湾', '科技', '兴业', '海滨', '工业', '金融'])}路{self.rng.randint(1, 999)}号"
        )

    def new_plate(self) -> str:
        self._plate_seq += 1
        province = self.rng.choice("粤浙沪津鲁桂闽")
        return f"{province}{self.rng.choice('ABCDEFGHJK')}{self._plate_seq:05d}"

    def unique_name(self, make: Any) -> str:
        for _ in range(50):
            candidate = make()
            if candidate not in self._names:
                self._names.add(candidate)
                return candidate
        candidate = make() + str(len(self._names))
        self._names.add(candidate)
        return candidate

    # -- subjects -----------------------------------------------------------------------------------

    def enterprise(
        self,
        *,
        registered: int,
        gang: str | None = None,
        address: str | None = None,
        phone: str | None = None,
        account: str | None = None,
        city: str | None = None,
    ) -> Enterprise:
        port = self.rng.choice(PORTS) if city is None else next(p for p in PORTS if p["city"] == city)
        city = port["city"]
        name = self.unique_name(lambda: names.enterprise_name(self.rng, city))
        reg_date = (
            (START + dt.timedelta(days=registered))
            if registered >= 0
            else dt.date(2005, 1, 1) + dt.timedelta(days=self.rng.randrange(365 * 18))
        )
        headings = self.rng.sample(HS_HEADINGS, k=self.rng.choice((1, 2, 3)))
        ent = Enterprise(
            uscc=self.new_uscc(port["region_code"]),
            name=name,
            city=city,
            region=port["region"],
            unit=port["unit"],
            home_port=port["code"],
            registered_on=reg_date.isoformat(),
            address=address or self.new_address(city),
            phone=phone or self.new_phone(),
            account=account or self.new_account(),
            industry=self.rng.choice(["trade", "manufacturing", "logistics", "food", "electronics"]),
            hs=[h["id"] for h in headings],
            origins=self.rng.sample([c[0] for c in COUNTRIES if c[0] != "CN"], k=2),
            partners=[self.rng.randrange(self.scale.parties) for _ in range(self.rng.choice((1, 2, 3)))],
            activity=float(self.np.pareto(1.5) + 0.2),
            gang=gang,
            first_day=max(0, registered),
        )
        self.enterprises.append(ent)
        return ent

    def role(
        self, person: str, ent: Enterprise, role: str, since: str | None = None, share: str = ""
    ) -> None:
        self.roles.append([person, ent.uscc, role, since or ent.registered_on, share])

    def background(self, count: int) -> None:
        parks = [self.new_address(p["city"]) for p in PORTS for _ in range(max(1, count // 400))]
        people_pool: list[str] = []
        for _ in range(count):
            address = self.rng.choice(parks) if self.rng.random() < 0.15 else None
            # a fifth of honest traders are young too: a recent registration alone does not make a shell
            registered = self.rng.randrange(0, 600) if self.rng.random() < 0.2 else -1
            ent = self.enterprise(registered=registered, address=address)
            if self.rng.random() < 0.03:
                ent.broker = True
                ent.activity = 0.0
            rep = (
                self.rng.choice(people_pool)
                if people_pool and self.rng.random() < 0.08
                else self.new_person()
            )
            people_pool.append(rep)
            self.role(rep, ent, "legal_rep")
            self.role(rep, ent, "shareholder", share="0.6")
            if self.rng.random() < 0.5:
                self.role(self.new_person(), ent, "shareholder", share="0.4")
            if self.rng.random() < 0.4:
                self.role(self.new_person(), ent, "manager")
            if self.rng.random() < 0.6:
                self.role(self.new_person(), ent, "contact")
        while len(self.persons) < self.scale.people * 0.8:
            self.new_person()

    # -- gangs and drift ----------------------------------------------------------------------------

    def gang(self, index: int) -> None:
        gang_id = f"G{index + 1:03d}"
        template = list(TEMPLATES)[index % len(TEMPLATES)]
        shells, n_people, _, n_phones, n_accounts, n_vehicles, loop_len, own_len = TEMPLATES[template]
        port = self.rng.choice(PORTS)
        city = port["city"]
        address = self.new_address(city)
        phones = [self.new_phone() for _ in range(n_phones)]
        accounts = [self.new_account() for _ in range(n_accounts)]
        start = self.rng.randrange(0, 200)
        members: list[Enterprise] = []
        for k in range(shells):
            ent = self.enterprise(
                registered=start + self.rng.randrange(0, 60),
                gang=gang_id,
                address=address,
                phone=phones[k % len(phones)],
                account=accounts[k % len(accounts)] if accounts else None,
                city=city,
            )
            ent.activity = float(self.rng.uniform(2.0, 5.0))
            ent.ports = [port["code"]]
            members.append(ent)
        people = [self.new_person() for _ in range(n_people)]
        for k, ent in enumerate(members):
            rep = people[k % len(people)]
            self.role(rep, ent, "legal_rep")
            for person in people:
                self.role(person, ent, "shareholder", share=f"{1 / len(people):.2f}")
            if template == "chain4":
                self.role(people[-1], ent, "manager")
        vehicles = []
        for k in range(n_vehicles):
            plate = self.new_plate()
            driver = self.new_person()
            vehicles.append(plate)
            for ent in members[k::n_vehicles]:
                self.vehicles.append([plate, "container truck", port["region"], ent.uscc, "lease", driver])
                break
        loop = [m.uscc for m in members[:loop_len]]
        for a, b in zip(loop, loop[1:] + loop[:1], strict=True):
            self.transactions.append(
                [
                    a,
                    b,
                    round(self.rng.uniform(1e5, 5e6), 2),
                    self.rng.randint(3, 30),
                    day(start + 70),
                    day(start + 300),
                ]
            )
        own = [m.uscc for m in members[-own_len:]] if own_len else []
        for a, b in zip(own, own[1:] + own[:1], strict=True):
            self.ownership.append([a, b, 0.3, day(start + 65)])
        for a, b in zip(accounts, accounts[1:] + accounts[:1], strict=True):
            if a != b:
                self.payments.append([a, b, round(self.rng.uniform(1e4, 1e6), 2), self.rng.randint(2, 20)])
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
            self.truth["companion_groups"].append(vehicles)
        if index % 5 != 4:  # most gangs are caught, and then drift
            self.case_and_drift(record, members, people, port)
        self.truth["gangs"].append(record)

    def case_and_drift(
        self, record: dict[str, Any], members: list[Enterprise], people: list[str], port: dict[str, Any]
    ) -> None:
        opened = days_between(START, DRIFT_FROM) - self.rng.randrange(30, 120)
        case_id = f"C{len(self.cases) + 1:05d}"
        kind = "criminal" if self.rng.random() < 0.5 else "administrative"
        self.cases.append(
            [
                case_id,
                kind,
                f"{members[0].name}涉嫌走私案",
                day(opened),
                "smuggling of ordinary goods",
                port["unit"],
                "true" if self.rng.random() < 0.3 else "false",
            ]
        )
        for ent in members[:2]:
            self.case_subjects.append([case_id, "Enterprise", ent.uscc, "suspect"])
        self.case_subjects.append([case_id, "Person", people[0], "suspect"])
        record["case_id"] = case_id
        for ent in members:  # the caught members go quiet soon after the case; new shells take over
            ent.last_day = opened + self.rng.randrange(0, 20)
        new_port = self.rng.choice([p for p in PORTS if p["code"] != port["code"]])
        registered = days_between(START, DRIFT_FROM) + self.rng.randrange(0, 60)
        shells = []
        for _ in range(self.rng.choice((2, 3))):
            ent = self.enterprise(
                registered=registered + self.rng.randrange(0, 20),
                gang=record["id"],
                address=record["addresses"][0],
                phone=record["phones"][0],
                city=port["city"],
            )
            ent.activity = float(self.rng.uniform(3.0, 6.0))
            ent.ports = [new_port["code"]]
            self.role(people[-1], ent, "legal_rep")
            shells.append(ent)
        date = day(registered)
        self.truth["drift_events"].append(
            {
                "gang": record["id"],
                "kind": "change_of_vest",
                "date": date,
                "enterprises": [s.uscc for s in shells],
                "port": None,
            }
        )
        self.truth["drift_events"].append(
            {
                "gang": record["id"],
                "kind": "port_drift",
                "date": date,
                "enterprises": [s.uscc for s in shells],
                "port": new_port["code"],
            }
        )
        record["drift_enterprises"] = [s.uscc for s in shells]


def generate_world(scale: str, seed: int, out: Path, *, console: Console | None = None) -> dict[str, Any]:
    """Write the world to ``out``; return the manifest."""
    from ingest.synthetic.writer import write_world

    console = console or Console(stderr=True)
    builder = WorldBuilder(scale, seed)
    s = builder.scale
    with console.status(f"building the {scale} world (seed {seed})"):
        for index in range(s.gangs):
            builder.gang(index)
        gang_enterprises = len(builder.enterprises)
        builder.background(max(s.enterprises - gang_enterprises, 10))
    return write_world(builder, out, console)
