"""The sizes of a synthetic world, the gang templates, and an enterprise as the builder keeps it."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    agent: str = ""  # the registration agent or broker that lodges its declarations, if any
    dormant: bool = False  # a shelf company: registered, never trades
    moves: tuple[int, str] | None = None  # (day, port): from that day it declares at another port
