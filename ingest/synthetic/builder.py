"""The world's subjects: keys (USCC, identity numbers, phones, accounts, plates), enterprises with their
people, and the honest background. Everything random comes from one seeded ``random.Random`` (structure)
and one seeded ``numpy`` generator (the bulk of the declarations).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import numpy as np

from ingest.keys import hash_id_number
from ingest.synthetic import names
from ingest.synthetic.difficulty import PROFILES, Difficulty
from ingest.synthetic.model import SCALES, Enterprise
from ingest.synthetic.reference import COUNTRIES, HS_HEADINGS, PORTS, START
from ontology.types import USCCType


class WorldBuilder:
    def __init__(self, scale: str, seed: int, difficulty: Difficulty = PROFILES["easy"]) -> None:
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
        self.scale_name = scale
        self.scale = SCALES[scale]
        self.seed = seed
        self.difficulty = difficulty
        self.parks: list[tuple[str, str]] = []  # (address, city) of business parks that gangs rent in
        self.opened: dict[str, int] = {}  # gang -> the day its case was opened
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
            "difficulty": difficulty.name,
            "confounders": {"parks": [], "agents": [], "families": [], "dormant": []},
            "drift_decoys": [],
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
            hs=[str(h["id"]) for h in headings],
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
