"""What happened to the declarations and subjects: inspections, lab tests, audits, cases; background trade."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ingest.synthetic.builder import WorldBuilder
from ingest.synthetic.declarations import DAYS
from ingest.synthetic.reference import day

#: the chance that inspecting a declaration finds something: where risk was planted, and elsewhere
HIT_IF_RISKY = 0.85
HIT_OTHERWISE = 0.03


def inspections_and_cases(b: WorldBuilder, decl: pd.DataFrame) -> dict[str, list[list[Any]]]:
    """Inspections (hits mostly where risk was planted), lab tests, audits, and background cases; the
    risky declarations and the case layers go into the ground truth."""
    gen, rng = b.np, b.rng
    n = len(decl)
    risky = decl["_risk"].to_numpy() != ""
    inspected = gen.random(n) < np.where(risky, 0.30, 0.06)
    hit = np.where(risky, gen.random(n) < HIT_IF_RISKY, gen.random(n) < HIT_OTHERWISE)
    inspections: list[list[object]] = []
    for j in np.flatnonzero(inspected):
        row = decl.iloc[j]
        finding = row["_risk"] if (risky[j] and hit[j]) else ("quantity" if hit[j] else "none")
        recovered = (
            round(float(row["value_usd"]) * max(float(row["duty_rate"]), 0.05) * 1.5, 2) if hit[j] else 0.0
        )
        inspections.append(
            [
                f"INS{len(inspections) + 1:07d}",
                row["entry_no"],
                row["date"],
                "hit" if hit[j] else "clear",
                finding,
                recovered,
                f"OFF{rng.randint(1, 300):03d}",
            ]
        )
    lab: list[list[object]] = []
    for j in np.flatnonzero(gen.random(n) < 0.01):
        row = decl.iloc[j]
        failed = row["_risk"] == "hs_misdeclaration" and rng.random() < 0.6
        lab.append(
            [
                f"LAB{len(lab) + 1:06d}",
                row["entry_no"],
                row["date"],
                rng.choice(["composition", "moisture", "purity"]),
                "fail" if failed else "pass",
                rng.choice(["广州海关技术中心", "深圳海关技术中心", "上海海关技术中心"]),
            ]
        )
    audits: list[list[object]] = []
    for ent in b.enterprises:
        if rng.random() < 0.03:
            audits.append(
                [
                    f"AUD{len(audits) + 1:06d}",
                    ent.uscc,
                    day(rng.randrange(DAYS)),
                    rng.choice(["none", "undervaluation", "classification"]),
                    rng.choice(["compliant", "compliant", "irregular", "referred"]),
                ]
            )
    b.truth["risky_declarations"] = [
        {"entry_no": e, "kind": k} for e, k in zip(decl["entry_no"][risky], decl["_risk"][risky], strict=True)
    ]
    # background cases: a few ordinary enterprises, some with their legal representative
    legal_rep = {uscc: person for person, uscc, role, _, _ in b.roles if role == "legal_rep"}
    background = [e for e in b.enterprises if e.gang is None and not e.broker]
    entries_of = decl.groupby("consignee_uscc")["entry_no"].first().to_dict()
    for ent in rng.sample(background, k=max(3, len(background) // 150)):
        case_id = f"C{len(b.cases) + 1:05d}"
        kind = "criminal" if rng.random() < 0.25 else "administrative"
        b.cases.append(
            [
                case_id,
                kind,
                f"{ent.name}{'走私' if kind == 'criminal' else '申报不实'}案",
                day(rng.randrange(DAYS)),
                rng.choice(["misdeclaration", "smuggling of ordinary goods", "tax evasion"]),
                ent.unit,
                "true" if rng.random() < 0.2 else "false",
            ]
        )
        b.case_subjects.append([case_id, "Enterprise", ent.uscc, "suspect"])
        if rng.random() < 0.5 and ent.uscc in legal_rep:
            b.case_subjects.append([case_id, "Person", legal_rep[ent.uscc], "suspect"])
        if ent.uscc in entries_of:
            b.case_subjects.append([case_id, "Declaration", entries_of[ent.uscc], "evidence"])
    criminal = {c[0] for c in b.cases if c[1] == "criminal"}
    layer1 = sorted({s[2] for s in b.case_subjects if s[1] == "Enterprise"})
    persons = sorted({s[2] for s in b.case_subjects if s[1] == "Person" and s[0] in criminal})
    office = {"legal_rep", "shareholder", "manager"}
    layer2 = sorted(
        {uscc for person, uscc, role, _, _ in b.roles if role in office and person in set(persons)}
    )
    b.truth["case_subjects"] = {
        "layer1_enterprises": layer1,
        "criminal_persons": persons,
        "layer2_enterprises": layer2,
    }
    return {"inspections": inspections, "lab_tests": lab, "audits": audits}


def background_relations(b: WorldBuilder) -> None:
    """Trade and payments between honest enterprises."""
    rng = b.rng
    background = [e for e in b.enterprises if e.gang is None and not e.dormant]
    for _ in range(int(len(background) * 1.2)):
        seller, buyer = rng.sample(background, 2)
        b.transactions.append(
            [
                seller.uscc,
                buyer.uscc,
                round(rng.uniform(1e4, 1e6), 2),
                rng.randint(1, 12),
                day(rng.randrange(300)),
                day(rng.randrange(300, DAYS)),
            ]
        )
    for _ in range(len(background) // 2):
        a, c = rng.sample(background, 2)
        b.payments.append([a.account, c.account, round(rng.uniform(1e3, 1e5), 2), rng.randint(1, 5)])
