"""A tiny hand-written world for loader tests: every file kind, a few rows each, known counts."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from ingest.keys import hash_id_number
from ingest.synthetic.declarations import DECLARATION_COLUMNS
from ingest.synthetic.writer import ENTERPRISE_COLUMNS
from ontology.types import USCCType


def uscc(n: int) -> str:
    first = f"91440101MA{n:07d}"[:17]
    return first + USCCType.check_digit(first)


def write_csv(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def tiny_world(directory: Path, declarations: int = 40) -> dict[str, int]:
    """Write the tiny world; return the expected node counts per label."""
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(
        directory / "ports.csv",
        ["code", "name", "city", "lat", "lon"],
        [["5100", "广州海关", "广州", 23.1, 113.3], ["5300", "深圳海关", "深圳", 22.5, 114.1]],
    )
    write_csv(
        directory / "countries.csv",
        ["code", "name", "name_zh"],
        [["DE", "Germany", "德国"], ["VN", "Viet Nam", "越南"], ["US", "United States", "美国"]],
    )
    write_csv(
        directory / "hs_codes.csv",
        ["id", "chapter", "description"],
        [["8471", "84", "computers"], ["0306", "03", "crustaceans"]],
    )
    ents = [uscc(i) for i in range(1, 6)]
    write_csv(
        directory / "enterprises.csv",
        ENTERPRISE_COLUMNS,
        [
            [
                u,
                f"广州甲{i}贸易有限公司",
                "",
                "广东广州",
                "trade",
                "2020-01-0" + str(i),
                "active",
                "general",
                "GZ",
                "广州市天河区1号" if i < 3 else f"广州市越秀区{i}号",
                f"1380000000{i}",
                f"6222{i:012d}",
            ]
            for i, u in enumerate(ents, start=1)
        ],
    )
    people = [hash_id_number(f"44010119800101{i:04d}") for i in range(1, 4)]
    write_csv(
        directory / "persons.csv",
        ["id_hash", "name", "gender", "birth_year", "phone", "address", "bank_account"],
        [[p, f"张{i}", "M", 1980, f"1390000000{i}", "", ""] for i, p in enumerate(people, start=1)],
    )
    write_csv(
        directory / "roles.csv",
        ["id_hash", "uscc", "role", "since", "share"],
        [
            [people[0], ents[0], "legal_rep", "2020-01-01", ""],
            [people[0], ents[1], "legal_rep", "2020-02-01", ""],
            [people[1], ents[2], "shareholder", "2021-01-01", "0.5"],
            [people[2], ents[3], "manager", "", ""],
        ],
    )
    write_csv(
        directory / "ownership.csv",
        ["owner_uscc", "owned_uscc", "share", "since"],
        [[ents[0], ents[4], 0.3, ""]],
    )
    write_csv(
        directory / "vehicles.csv",
        ["plate", "kind", "registered_region", "owner_uscc", "use_kind", "driver_id_hash"],
        [["粤A12345", "tractor", "广东", ents[0], "own", people[2]], ["粤B54321", "van", "广东", "", "", ""]],
    )
    write_csv(
        directory / "vessels.csv",
        ["imo", "mmsi", "name", "flag", "kind"],
        [["9074729", "412345678", "HAI XING", "HK", "container"]],
    )
    write_csv(
        directory / "transactions.csv",
        ["seller_uscc", "buyer_uscc", "amount", "count", "first_on", "last_on"],
        [
            [ents[0], ents[1], 1000, 2, "2024-01-01", "2024-02-01"],
            [ents[1], ents[0], 900, 1, "2024-03-01", "2024-03-01"],
        ],
    )
    write_csv(
        directory / "payments.csv",
        ["from_account", "to_account", "amount", "count"],
        [["6222000000000001", "6222000000000002", 5, 1]],
    )
    decl_rows = []
    for i in range(declarations):
        decl_rows.append(
            [
                f"5100202400000{i:05d}",
                f"2024-03-{1 + i % 28:02d}",
                "import",
                "5100" if i % 2 else "5300",
                "general",
                "84713000" if i % 3 else "03061700",
                "laptops",
                1000 + i,
                50 + i,
                10,
                "pcs",
                ["DE", "VN", "US"][i % 3],
                "sea",
                "",
                0.05,
                ents[i % 5],
                "",
                ents[4],
                ["ACME GMBH", "Acme GmbH.", "SUN TRADING CO LTD"][i % 3],
                ["DE", "DE", "VN"][i % 3],
                "",
                "粤A12345" if i % 4 == 0 else "",
                "9074729" if i % 4 == 1 else "",
            ]
        )
    write_csv(
        directory / "declarations.csv",
        DECLARATION_COLUMNS,
        decl_rows,
    )
    write_csv(
        directory / "inspections.csv",
        ["id", "entry_no", "date", "outcome", "finding", "recovered_duty", "officer"],
        [
            [f"INS{i:04d}", decl_rows[i][0], "2024-04-01", "hit" if i == 0 else "clear", "none", 0, "O1"]
            for i in range(4)
        ],
    )
    write_csv(
        directory / "lab_tests.csv",
        ["id", "entry_no", "date", "item", "result", "lab"],
        [["LAB0001", decl_rows[0][0], "2024-04-02", "moisture", "pass", "GZ lab"]],
    )
    write_csv(
        directory / "audits.csv",
        ["id", "uscc", "date", "finding", "result"],
        [["AUD0001", ents[0], "2024-05-01", "none", "compliant"]],
    )
    write_csv(
        directory / "cases.csv",
        ["id", "kind", "title", "opened_on", "charge", "unit", "restricted"],
        [
            ["C0001", "criminal", "走私普通货物案", "2024-06-01", "smuggling", "GZ", "true"],
            ["C0002", "administrative", "申报不实", "2024-07-01", "misdeclaration", "SZ", "false"],
        ],
    )
    write_csv(
        directory / "case_subjects.csv",
        ["case_id", "subject_label", "subject_key", "role"],
        [
            ["C0001", "Enterprise", ents[0], "suspect"],
            ["C0001", "Person", people[0], "suspect"],
            ["C0002", "Declaration", decl_rows[1][0], "evidence"],
            ["C0002", "Vehicle", "粤A12345", "carrier"],
        ],
    )
    return {
        "Port": 2,
        "Country": 3,
        "HSCode": 2,
        "Enterprise": 5,
        "Person": 3,
        "Vehicle": 2,
        "Vessel": 1,
        "Declaration": declarations,
        "PartyMention": 3,
        "Inspection": 4,
        "LabTest": 1,
        "Audit": 1,
        "Case": 2,
        "Address": 4,
        "Phone": 8,
        "BankAccount": 5,
    }
