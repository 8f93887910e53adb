"""Certificates with the real PP-OCRv4 models: key fields, types, cross-checks, write-back, bad input."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from graph.store import GraphStore
from imaging.certificate_kinds import catalogue
from imaging.certificate_pages import generate, render, sample_fields
from imaging.certificates import (
    CertificateError,
    accuracy,
    cross_check,
    extract,
    load_image,
    ocr,
    read,
)
from imaging.service import read_certificate
from tianji.core.settings import Settings


def _read_all(pages: list[Any]) -> tuple[int, float]:
    """How many pages' types were recognised, and the share of their key fields read right."""
    right = total = kinds = 0
    for page in pages:
        _, extraction = read(page.image)
        kinds += extraction.kind == page.kind
        checks = accuracy(extraction.fields, page.fields)
        right, total = right + sum(checks.values()), total + len(checks)
    return kinds, right / total


def test_every_type_is_recognised_and_its_key_fields_read() -> None:
    types = catalogue().types
    assert len(types) >= 30 and {t.layout for t in types.values()} == {"table", "form", "letter"}
    pages = generate(len(types), seed=11)  # one clean page of each type
    assert [p.kind for p in pages] == list(types)
    assert all(set(p.fields) == set(types[p.kind].fields) for p in pages)
    kinds, share = _read_all(pages)
    assert kinds == len(types)
    assert share >= 0.95


def test_key_fields_are_read_from_phone_photographs() -> None:
    """Turned, at an angle, in low light, a stamp over a field, JPEG: the reader straightens the page and
    reads through the red channel, so the stamp does not bury the field under it."""
    pages = generate(10, seed=23, difficulty="hard")
    kinds, share = _read_all(pages)
    assert kinds == 10
    assert share >= 0.9


def test_a_digit_read_where_only_letters_belong_is_repaired() -> None:
    lines = [("CERTIFICATE OF ANALYSIS", 0.99, 10.0), ("Certificate No.:C0A-2024-14415", 0.98, 50.0)]
    assert extract(lines).fields["number"] == "COA-2024-14415"


def test_two_fields_on_one_row_are_split_at_the_second_label() -> None:
    lines = [
        ("签发日期: 2025-01-02   有效期至: 2026-01-02", 0.97, 40.0),
        ("收货人: 广州华盛贸易有限公司", 0.96, 80.0),
    ]
    fields = extract(lines).fields
    assert fields["issue_date"] == "2025-01-02" and fields["expiry_date"] == "2026-01-02"
    assert fields["consignee"] == "广州华盛贸易有限公司"


def test_the_longest_title_names_the_type() -> None:
    assert extract([("RCEP CERTIFICATE OF ORIGIN", 0.99, 10.0)]).kind == "origin_rcep"
    assert extract([("CERTIFICATE OF ORIGIN", 0.99, 10.0)]).kind == "origin"


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
    page = generate(1, seed=2)[0]
    turned = page.image.rotate(180)
    assert extract(ocr(turned)).kind != page.kind  # read as it lies, the title is garbage
    _, reading = read(turned)
    assert reading.kind == page.kind


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
