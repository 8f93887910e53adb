"""The world's files: one CSV per source (``docs/world.md``) and ``ground_truth.json``."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ingest.synthetic import craft, names
from ingest.synthetic.builder import WorldBuilder
from ingest.synthetic.declarations import HEADINGS
from ingest.synthetic.reference import COUNTRIES, PORTS

ENTERPRISE_COLUMNS = [
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
]


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_files(
    b: WorldBuilder,
    out: Path,
    parties: list[dict[str, Any]],
    vessels: list[str],
    decl: pd.DataFrame,
    events: dict[str, list[list[Any]]],
    records: dict[str, list[list[Any]]],
    owner: dict[tuple[str, str], str],
) -> None:
    """Every file of ``docs/world.md`` and the ground truth (with which party each used spelling names)."""
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
        ENTERPRISE_COLUMNS,
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
    vessel_rows = [
        [
            imo,
            f"4{i:08d}",
            f"{b.rng.choice(names.EN_WORDS)} {b.rng.choice(names.EN_WORDS)}",
            b.rng.choice(["HK", "SG", "CN", "KR"]),
            "container",
        ]
        for i, imo in enumerate(vessels)
    ]
    _csv(out / "vessels.csv", ["imo", "mmsi", "name", "flag", "kind"], vessel_rows)
    rng = craft.craft_rng(b)
    vehicle_records, b.truth["vehicle_identity"] = craft.vehicle_records(b, rng)
    vessel_records, b.truth["vessel_identity"] = craft.vessel_records(vessel_rows, rng)
    _csv(out / "vehicle_records.csv", craft.VEHICLE_COLUMNS, vehicle_records)
    _csv(out / "vessel_records.csv", craft.VESSEL_COLUMNS, vessel_records)
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
        ["record_id", "source", "uscc", "name", "address", "phone", "legal_rep"],
        records["enterprises"],
    )
    used = set(zip(decl["overseas_name"], decl["overseas_country"], strict=True))
    b.truth["overseas_identity"] = [
        {"name": name, "country": country, "party": owner[(name, country)]} for name, country in sorted(used)
    ]
    (out / "ground_truth.json").write_text(
        json.dumps(b.truth, ensure_ascii=False, indent=1), encoding="utf-8"
    )
