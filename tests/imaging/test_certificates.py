"""Certificates with the real PP-OCRv4 models: key fields, types, cross-checks, write-back, bad input."""

from __future__ import annotations

import io
import random
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from graph.store import GraphStore
from imaging.certificates import (
    FIELDS,
    CertificateError,
    accuracy,
    cross_check,
    extract,
    generate,
    load_image,
    ocr,
    render,
    sample_fields,
)
from imaging.service import read_certificate
from tianji.core.settings import Settings


def test_key_fields_and_types_are_read_from_clean_and_noisy_pages() -> None:
    pages = generate(8, seed=11, noisy_share=0.5)  # one of each of the eight types, half of them noisy
    right: Counter[str] = Counter()
    kinds = 0
    for page in pages:
        extraction = extract(ocr(page.image))
        kinds += extraction.kind == page.kind
        right.update(f for f, ok in accuracy(extraction.fields, page.fields).items() if ok)
    assert kinds == 8
    assert sum(right.values()) / (8 * len(FIELDS)) >= 0.9


def test_cross_check_flags_what_disagrees_with_the_declaration() -> None:
    fields = {
        "consignee": "广州华盛贸易有限公司",
        "hs_code": "84713000",
        "origin": "VN",
        "quantity": "100 KG",
        "issue_date": "2025-01-01",
        "expiry_date": "2025-06-30",
    }
    declaration = {
        "consignee": "广州华盛贸易有限公司",
        "hs_code": "84713000",
        "origin": "VN",
        "quantity": 100,
        "date": "2025-03-01",
    }
    assert cross_check(fields, declaration) == []
    assert cross_check(fields, {**declaration, "origin": "TH", "quantity": 150, "date": "2025-08-01"}) == [
        "origin",
        "quantity",
        "validity",
    ]


def test_an_upload_is_read_linked_and_flagged(world_store: GraphStore, settings: Settings) -> None:
    entry = world_store.query("MATCH (d:Declaration) RETURN d.id AS id ORDER BY d.id LIMIT 1")[0]["id"]
    from imaging.service import declaration_facts

    facts = declaration_facts(world_store, entry)
    rng = random.Random(1)
    fields = sample_fields(rng, "origin", {**facts, "origin": "XX", "quantity": int(facts["quantity"])})
    buffer = io.BytesIO()
    render("origin", fields, rng).save(buffer, format="PNG")
    record = read_certificate(world_store, settings, buffer.getvalue(), entry)
    assert record["type"] == "origin" and "origin" in record["mismatches"]
    linked = world_store.query(
        "MATCH (c:Certificate)-[:CERTIFIES]->(d:Declaration {id: $id}) "
        "MATCH (c)-[:READ_FROM]->(i:Image) RETURN c.mismatches AS m, i.sha256 AS h",
        {"id": entry},
    )
    assert linked and "origin" in linked[0]["m"] and linked[0]["h"]


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty file"), (b"%PDF-1.4 ...", "a PDF"), (b"\x89PNG\r\n\x1a\nbroken", "not a readable image")],
)
def test_bad_files_get_a_clear_reason(data: bytes, message: str) -> None:
    with pytest.raises(CertificateError, match=message):
        load_image(data)


def test_an_upside_down_page_is_turned_before_reading() -> None:
    from imaging.certificates import upright

    page = generate(1, seed=2, noisy_share=0.0)[0]
    turned = page.image.rotate(180)
    assert extract(ocr(upright(turned))).kind == page.kind


def test_a_blank_page_is_refused(world_store: GraphStore, settings: Settings) -> None:
    entry = world_store.query("MATCH (d:Declaration) RETURN d.id AS id ORDER BY d.id LIMIT 1")[0]["id"]
    buffer = io.BytesIO()
    Image.new("RGB", (800, 1000), "white").save(buffer, format="PNG")
    with pytest.raises(ValueError, match="no certificate text"):
        read_certificate(world_store, settings, buffer.getvalue(), entry)


def test_paddleocr_without_its_models_is_refused_with_the_reason(tmp_path: Path) -> None:
    from imaging.certificates import CertificateError, _engine

    with pytest.raises(CertificateError, match="needs PP-OCRv4 inference models"):
        _engine("paddleocr", str(tmp_path))
