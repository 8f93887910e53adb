"""A second synthetic export, in another administration's shape: the layout of the published DATE study of
customs selection (``sgd.id, sgd.date, importer.id, declarant.id, country, office.id, tariff.code,
quantity, gross.weight, fob.value, cif.value, total.taxes, illicit, revenue``) with six columns of that
administration's own codes (procedure, import use, payment, tax type, origin indicator, courier).

It is deliberately unlike the demo world: two-digit office codes, national importer and declarant numbers
(no check digit), ISO countries the demo never uses, amounts in West African CFA francs (``XOF``) with a
dated rate table, dates written day first, a tax rate in percent, a 0/1 label, every declaration
inspected (as in the study). Its planted risk is its own:

- **undervaluation and misdeclared weight** in high-tax goods: visible in the declaration's own figures;
- **repeat offenders**: importers with a high fraud rate that none of their declarations shows, and
  importers that turn bad part-way through: visible only through their history;
- **broker rings**: a few declarants who, from some date on, lodge for a stream of newly registered
  importers, most of whose declarations are fraudulent: visible only through the declarant the new
  importers share with earlier hits (history and graph), never through the new importers' own ids.

``write_export`` writes ``declarations.csv``, ``rates.csv`` (copied beside the mappings in
``examples/date_layout``) and ``ground_truth.json``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

COLUMNS = [
    "sgd.id",
    "sgd.date",
    "importer.id",
    "declarant.id",
    "country",
    "office.id",
    "tariff.code",
    "quantity",
    "gross.weight",
    "fob.value",
    "cif.value",
    "total.taxes",
    "tax.rate",
    "process.type",
    "import.use",
    "payment.type",
    "tax.type",
    "origin.indicator",
    "courier",
    "illicit",
    "revenue",
]
COUNTRIES = ["AT", "CZ", "RO", "HU", "TN", "TR", "MA", "SN", "CI", "GH", "NG", "FR", "BE", "ES", "IT", "DE"]
COUNTRIES += ["CN", "IN", "VN", "TH", "AE", "US", "BR", "JP", "KR", "PK", "BD", "EG", "ZA", "UA"]
PROCESS = ["IM4", "IM5", "IM7", "EX1"]
USE = ["01", "02", "03", "09"]
PAYMENT = ["C", "D", "H", "K"]
TAX_TYPE = ["A00", "B00", "A30"]
ORIGIN_INDICATOR = ["P", "N", "X"]
START = dt.date(2023, 1, 1)
DAYS = 730
RATE_XOF_USD = 0.00165  # USD per franc, drifting a little over the period


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _goods(rng: np.random.Generator, n: int = 80) -> list[dict[str, Any]]:
    chapters = rng.choice(np.arange(1, 98), n)
    goods = []
    for chapter in chapters:
        hs6 = f"{int(chapter):02d}{int(rng.integers(1, 99)):02d}{int(rng.integers(0, 99)):02d}"
        goods.append(
            {
                "codes": [f"{hs6}{int(rng.integers(0, 9999)):04d}" for _ in range(int(rng.integers(1, 4)))],
                "unit_price": float(np.exp(rng.normal(9.5, 1.2))),  # francs per unit
                "kg_per_unit": float(np.exp(rng.normal(0.0, 1.0))),
                "tax_rate": float(rng.choice([5, 10, 20, 35], p=[0.3, 0.3, 0.25, 0.15])),
            }
        )
    return goods


def generate(rows: int = 20_000, seed: int = 11) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """The export's rows (as the administration writes them) and what was planted."""
    rng = np.random.default_rng(seed)
    goods = _goods(rng)
    offices = [f"{i:02d}" for i in range(1, 15)]
    office_risk = {o: float(rng.normal(0, 0.3)) for o in offices}
    country_risk = {c: float(rng.normal(0, 0.4)) for c in COUNTRIES}
    n_importers, n_declarants = max(rows // 12, 50), max(rows // 150, 12)
    declarants = [f"DEC{i:05d}" for i in range(n_declarants)]
    brokers = list(rng.choice(declarants, max(2, n_declarants // 30), replace=False))
    importers: list[dict[str, Any]] = []
    for i in range(n_importers):
        kind = rng.choice(["clean", "moderate", "offender", "turns"], p=[0.82, 0.1, 0.05, 0.03])
        risk = {"clean": -3.4, "moderate": -1.9, "offender": 0.2, "turns": -3.4}[str(kind)]
        importers.append(
            {
                "id": f"IMP{i:06d}",
                "risk": risk,
                "kind": str(kind),
                "turns_on": int(rng.integers(200, DAYS)) if kind == "turns" else None,
                "declarants": list(rng.choice(declarants, int(rng.integers(1, 3)))),
                "activity": float(rng.pareto(1.5) + 0.2),
                "from_day": int(rng.integers(0, DAYS // 3 if rng.random() < 0.7 else DAYS * 4 // 5)),
                "ring": None,
            }
        )
    for b, broker in enumerate(brokers):  # each ring: fresh importers lodged by one broker, from some day on
        opens = int(rng.integers(DAYS // 3, DAYS * 2 // 3))
        for k in range(max(4, n_importers // 120)):
            importers.append(
                {
                    "id": f"IMP{n_importers + b * 1000 + k:06d}",
                    "risk": 0.9,
                    "kind": "ring",
                    "turns_on": None,
                    "declarants": [broker],
                    "activity": 1.2,
                    "from_day": opens + int(rng.integers(0, DAYS // 4)),
                    "ring": str(broker),
                }
            )
    weights = np.array([imp["activity"] for imp in importers])
    out: list[dict[str, str]] = []
    planted: dict[str, list[str]] = {"visible": [], "history": [], "ring": []}
    picks = rng.choice(len(importers), rows, p=weights / weights.sum())
    for n, pick in enumerate(picks):
        imp = importers[int(pick)]
        day = int(rng.integers(imp["from_day"], DAYS))
        good = goods[int(rng.integers(len(goods)))]
        country = str(rng.choice(COUNTRIES))
        office = str(rng.choice(offices))
        risk = imp["risk"] + (2.6 if imp["turns_on"] is not None and day >= imp["turns_on"] else 0.0)
        risk += office_risk[office] + country_risk[country] + (0.5 if good["tax_rate"] >= 20 else 0.0)
        illicit = bool(rng.random() < _sigmoid(risk))
        quantity = float(max(1, round(np.exp(rng.normal(3.5, 1.3)))))
        value = quantity * good["unit_price"] * float(np.exp(rng.normal(0, 0.25)))
        weight = quantity * good["kg_per_unit"] * float(np.exp(rng.normal(0, 0.15)))
        declared, declared_weight = value, weight
        how = "none"
        if illicit:
            how = str(rng.choice(["undervalued", "weight", "hidden"], p=[0.4, 0.15, 0.45]))
            if imp["kind"] in ("ring", "offender", "turns"):
                how = "hidden" if rng.random() < 0.75 else how
            if how == "undervalued":
                declared = value * float(rng.uniform(0.25, 0.6))
            elif how == "weight":
                declared_weight = weight * float(rng.uniform(1.6, 3.0))
        cif = declared * float(rng.uniform(1.04, 1.12))
        taxes = cif * good["tax_rate"] / 100
        revenue = max(value * 1.08 * good["tax_rate"] / 100 - taxes, 0.0) + (taxes * 0.3 if illicit else 0)
        entry = f"SGD{n:07d}"
        if illicit:
            group = "ring" if imp["kind"] == "ring" else "visible" if how != "hidden" else "history"
            planted[group].append(entry)
        date = START + dt.timedelta(days=day)
        out.append(
            {
                "sgd.id": entry,
                "sgd.date": date.strftime("%d/%m/%Y"),
                "importer.id": imp["id"],
                "declarant.id": str(rng.choice(imp["declarants"])),
                "country": country,
                "office.id": office,
                "tariff.code": str(rng.choice(good["codes"])),
                "quantity": f"{quantity:.0f}",
                "gross.weight": f"{declared_weight:.1f}",
                "fob.value": f"{declared:.0f}",
                "cif.value": f"{cif:.0f}",
                "total.taxes": f"{taxes:.0f}",
                "tax.rate": f"{good['tax_rate']:g}",
                "process.type": str(rng.choice(PROCESS, p=[0.7, 0.15, 0.1, 0.05])),
                "import.use": str(rng.choice(USE)),
                "payment.type": str(rng.choice(PAYMENT)),
                "tax.type": str(rng.choice(TAX_TYPE)),
                "origin.indicator": str(rng.choice(ORIGIN_INDICATOR, p=[0.2, 0.7, 0.1])),
                "courier": "1" if rng.random() < 0.08 else "0",
                "illicit": "1" if illicit else "0",
                "revenue": f"{revenue:.0f}" if illicit else "0",
            }
        )
    out.sort(key=lambda r: (r["sgd.date"][6:] + r["sgd.date"][3:5] + r["sgd.date"][:2], r["sgd.id"]))
    truth = {"rows": rows, "seed": seed, "brokers": sorted(map(str, brokers)), "illicit": planted}
    return out, truth


def rate_table() -> list[dict[str, str]]:
    """Monthly XOF → USD rates over the export's period (the table a mapping converts with)."""
    out = []
    for month in range(DAYS // 30 + 2):
        day = START + dt.timedelta(days=30 * month)
        rate = RATE_XOF_USD * (1 + 0.02 * math.sin(month / 3))
        out.append({"currency": "XOF", "rate": f"{rate:.7f}", "valid_from": day.isoformat()})
    return out


def write_export(folder: Path, rows: int = 20_000, seed: int = 11) -> dict[str, Any]:
    """Write ``declarations.csv`` and ``ground_truth.json`` into ``folder``; return the ground truth."""
    folder.mkdir(parents=True, exist_ok=True)
    records, truth = generate(rows, seed)
    with (folder / "declarations.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(records)
    (folder / "ground_truth.json").write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return truth
