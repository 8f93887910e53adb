"""Certificates: key-field accuracy per field and per type on held-out generated pages of every type in
``certificate_types.yaml``, at each difficulty of the photograph (easy scan, medium scan, hard phone
photograph: the quality curve), mismatch detection precision/recall, and pages per second with the real
PP-OCRv4 models; the same for trade documents (invoices, packing lists, contracts: parties' names,
addresses and phones). Goal on hard: key fields 0.95 or more."""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

from imaging.certificate_kinds import catalogue
from imaging.certificate_pages import DIFFICULTIES, generate
from imaging.certificates import accuracy, cross_check, engine, ocr, read


def curve_step(n: int, difficulty: str) -> dict[str, Any]:
    """Every type in turn, ``n`` pages photographed at ``difficulty``, read as an upload is."""
    pages = generate(n, seed=101, difficulty=difficulty)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    type_total: Counter[str] = Counter()
    kinds = tp = fp = fn = 0
    rng = random.Random(7)
    started = time.perf_counter()
    for page in pages:
        _, extraction = read(page.image)
        kinds += extraction.kind == page.kind
        checks = accuracy(extraction.fields, page.fields)
        right.update(f for f, ok in checks.items() if ok)
        total.update(checks.keys())
        by_type[page.kind] += sum(checks.values())
        type_total[page.kind] += len(checks)
        truth = {
            "consignee": page.fields["consignee"],
            "hs_code": page.fields["hs_code"],
            "origin": page.fields["origin"],
            "quantity": float(page.fields["quantity"].split()[0]),
            "date": page.fields["issue_date"],
        }
        planted = rng.random() < 0.5
        if planted:
            truth["origin"] = "ZZ"
        flagged = "origin" in cross_check(extraction.fields, truth)
        tp += planted and flagged
        fp += flagged and not planted
        fn += planted and not flagged
    seconds = time.perf_counter() - started
    return {
        "pages": n,
        "pages_per_s": round(n / seconds, 2),
        "type_accuracy": round(kinds / n, 3),
        "key_field_accuracy": round(sum(right.values()) / max(sum(total.values()), 1), 4),
        "per_field": {f: round(right[f] / total[f], 3) for f in total},
        "per_type": {k: round(by_type[k] / type_total[k], 3) for k in type_total},
        "mismatch_precision": round(tp / max(tp + fp, 1), 3),
        "mismatch_recall": round(tp / max(tp + fn, 1), 3),
    }


def run(scale: str = "medium") -> dict[str, Any]:
    types = len(catalogue().types)
    n = {"small": types, "medium": 2 * types, "large": 4 * types}.get(scale, 2 * types)
    engine()
    curves = {d: curve_step(n, d) for d in DIFFICULTIES}
    medium = curves["medium"]
    return {
        "benchmark": "certificates",
        "pages": n,
        "types": types,
        "layouts": sorted({t.layout for t in catalogue().types.values()}),
        "key_field_accuracy": medium["key_field_accuracy"],
        "pages_per_s": medium["pages_per_s"],
        "mismatch_precision": medium["mismatch_precision"],
        "mismatch_recall": medium["mismatch_recall"],
        "curves": {d: {k: v for k, v in c.items() if k != "per_type"} for d, c in curves.items()},
        "per_type_hard": curves["hard"]["per_type"],
        **trade_documents(n // 2),
    }


def trade_documents(n: int) -> dict[str, Any]:
    from imaging import documents

    keys = (
        "number",
        "date",
        "seller_name",
        "seller_address",
        "seller_phone",
        "buyer_name",
        "buyer_address",
        "buyer_phone",
    )
    rng = random.Random(202)
    right: Counter[str] = Counter()
    kinds_right = 0
    facts = {
        "exporter": "ORIENT FOODS CO., LTD.",
        "consignee": "深圳鑫源进出口有限公司",
        "goods": "frozen fish",
    }
    pages = []
    for i in range(n):
        kind = list(documents.KINDS)[i % len(documents.KINDS)]
        fields = documents.sample_fields(rng, kind, facts)
        pages.append((kind, fields, documents.render(kind, fields, rng, noisy=i % 2 == 1)))
    started = time.perf_counter()
    for kind, fields, image in pages:
        read = documents.extract(ocr(image))
        kinds_right += read.kind == kind
        for key in keys:
            right[key] += _compact(read.fields.get(key)) == _compact(fields[key])
    seconds = time.perf_counter() - started
    return {
        "documents": n,
        "documents_pages_per_s": round(n / seconds, 2),
        "documents_type_accuracy": round(kinds_right / n, 3),
        "documents_field_accuracy": round(sum(right.values()) / (n * len(keys)), 4),
        "documents_per_field": {k: round(right[k] / n, 3) for k in keys},
    }


def _compact(text: str | None) -> str:
    """Spaces are not content: OCR drops and adds them."""
    return (text or "").replace(" ", "").upper()
