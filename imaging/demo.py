"""Bootstrap steps of the demo: certificates, trade documents and scans for a few demo declarations, some
deliberately inconsistent, read or judged and written back like any upload.

The three overlap, so that the declaration view has declarations with a certificate, a scan and trade
documents side by side: certificates for the first 8 declarations by entry number, scans for the 4th to the
15th (the 7th: a controlled-goods silhouette on a declaration whose certificate names another origin), trade
documents for 6 from the 5th on."""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
from rich.console import Console

from graph.store import GraphStore
from imaging import documents
from imaging.cargo import GROUPS, group_of_hs
from imaging.certificate_kinds import catalogue
from imaging.certificate_pages import render, sample_fields
from imaging.mentions import declaration_parties
from imaging.scan_images import generate_scan
from imaging.service import declaration_facts, read_certificate, read_document
from imaging.verdicts import judge_scan
from tianji.core.settings import Settings


def run_documents(store: GraphStore, settings: Settings, world: Path | None = None, count: int = 6) -> int:
    """Bootstrap step: an invoice, a packing list and a contract for a few demo declarations (one with a
    buyer who is not the declared consignee), read and linked to the subjects they name."""
    rng = random.Random(8)
    rows = store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(:Enterprise) MATCH (d)-[:OVERSEAS_PARTY]->() "
        "RETURN DISTINCT d.id AS id ORDER BY id SKIP 4 LIMIT $n",
        {"n": count},
        read_only=True,
    )
    others = store.query("MATCH (e:Enterprise) RETURN e.name AS name ORDER BY e.id LIMIT 1", read_only=True)
    for i, row in enumerate(rows):
        facts = declaration_parties(store, row["id"])
        if i == 2 and others:  # a document naming another buyer than the declared consignee
            facts = {**facts, "consignee": others[0]["name"]}
        kind = list(documents.KINDS)[i % len(documents.KINDS)]
        buffer = io.BytesIO()
        documents.render(kind, documents.sample_fields(rng, kind, facts), rng, noisy=i % 2 == 1).save(
            buffer, format="PNG"
        )
        read_document(store, settings, buffer.getvalue(), row["id"])
    Console().print(f"  {len(rows)} trade documents read and linked to the subjects they name")
    return len(rows)


def run_imaging(store: GraphStore, settings: Settings, world: Path | None = None, count: int = 8) -> int:
    """Bootstrap step: certificates for a few demo declarations (some deliberately inconsistent), read and linked."""
    rng = random.Random(5)
    rows = store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(:Enterprise) RETURN DISTINCT d.id AS id ORDER BY id LIMIT $n",
        {"n": count},
        read_only=True,
    )
    kinds = list(catalogue().types)  # every type the platform reads, in turn
    for i, row in enumerate(rows):
        facts = declaration_facts(store, row["id"])
        facts["quantity"] = int(facts["quantity"] or 1)
        fields = sample_fields(rng, kinds[i % len(kinds)], facts if i % 3 else {**facts, "origin": "XX"})
        buffer = io.BytesIO()
        render(kinds[i % len(kinds)], fields, rng, difficulty="medium" if i % 2 else "easy").save(
            buffer, format="PNG"
        )
        read_certificate(store, settings, buffer.getvalue(), row["id"])
    Console().print(f"  {len(rows)} certificates read and cross-checked")
    return len(rows)


def run_scans(store: GraphStore, settings: Settings, world: Path | None = None, count: int = 12) -> int:
    """Bootstrap step: scans for a few demo declarations (road cargo on trucks, some with concealed objects,
    a controlled-goods silhouette, cargo unlike the declared goods, an empty box), judged and written back."""
    rng = np.random.default_rng(9)
    rows = store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(:Enterprise) RETURN DISTINCT d.id AS id, d.hs_code AS hs, "
        "d.transport AS transport ORDER BY id SKIP 3 LIMIT $n",
        {"n": count},
        read_only=True,
    )
    suspect = 0
    for i, row in enumerate(rows):
        declared = group_of_hs(row["hs"])
        group = declared or GROUPS[int(rng.integers(len(GROUPS)))]
        if i % 4 == 2:  # goods unlike the declared ones
            group = GROUPS[(GROUPS.index(group) + 1) % len(GROUPS)]
        scan = generate_scan(
            rng,
            group=group,
            second=GROUPS[(GROUPS.index(group) + 3) % len(GROUPS)] if i % 4 == 3 else None,  # half undeclared
            empty=i % 6 == 0,
            concealed=i % 3 == 1,
            controlled=i % 7 == 3,
            vehicle="truck" if row["transport"] == "road" else "container",
        )
        verdicts = judge_scan(store, settings, row["id"], scan.image)
        suspect += any(v["verdict"] == "suspect" or v["verdict"].startswith("inconsistent") for v in verdicts)
    Console().print(f"  {len(rows)} scans judged ({suspect} with a suspect verdict)")
    return len(rows)
