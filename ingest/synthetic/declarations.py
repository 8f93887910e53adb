"""The bulk of the world: declarations drawn per enterprise by activity, with planted risk (undervaluation,
HS misdeclaration, concealment) subtle in rings and blatant elsewhere."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ingest.synthetic import names
from ingest.synthetic.builder import WorldBuilder
from ingest.synthetic.reference import COUNTRIES, EXTRA_HEADINGS, HS_HEADINGS, MISDECLARED_AS, PORTS, day

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
    if b.difficulty.varied:
        port = _varied_ports(b, ents, idx, offset, port, codes)
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
    varied, variants = b.difficulty.varied, b.difficulty.name_variants
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
                names.chinese_variant(rng, ent.name, ent.city) if rng.random() < variants else ent.name,
                ent.agent
                if varied and ent.agent and rng.random() < 0.9
                else (_broker(rng, brokers, varied) if rng.random() < 0.7 else ""),
                spelling,
                p["country"],
                p["address"],
                plate,
                vessel,
                kind[j],
            )
        )
    return pd.DataFrame(rows, columns=[*DECLARATION_COLUMNS, "_risk"])


def _broker(rng: Any, brokers: list[str], varied: bool) -> str:
    """A declaring broker: any one alike in the easy world; a few large ones serve most in the others."""
    if not varied:
        return brokers[rng.randrange(len(brokers))]
    return brokers[int(len(brokers) * rng.random() ** 3)]


def _varied_ports(
    b: WorldBuilder,
    ents: list[Any],
    idx: np.ndarray,
    offset: np.ndarray,
    port: np.ndarray,
    codes: np.ndarray,
) -> np.ndarray:
    """Gangs trade at their second port now and then and stray to others; honest firms that move
    declare at their new port from the day they move."""
    d, gen = b.difficulty, b.np
    n = len(idx)
    is_gang = np.array([e.gang is not None for e in ents])[idx]
    second = np.array([e.ports[-1] if e.ports else e.home_port for e in ents], dtype=object)[idx]
    gang_port = np.where(gen.random(n) < d.second_port, second, port)
    gang_port = np.where(gen.random(n) < d.stray_ports, codes[gen.integers(0, len(codes), n)], gang_port)
    port = np.where(is_gang, gang_port, port)
    move_day = np.array([e.moves[0] if e.moves else DAYS + 1 for e in ents])[idx]
    move_to = np.array([e.moves[1] if e.moves else "" for e in ents], dtype=object)[idx]
    return np.where(offset >= move_day, move_to, port)
