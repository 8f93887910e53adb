"""Invoices, packing lists and contracts: read, and the parties they name linked to the graph."""

from __future__ import annotations

import io
import random

import pytest

from graph.store import GraphStore
from imaging import documents
from imaging.certificates import ocr
from imaging.mentions import declaration_parties
from imaging.service import read_document
from ingest.keys import phone_id
from ingest.resolution.overseas import resolve_overseas
from tianji.core.settings import Settings


def _page(kind: str, fields: dict[str, str], noisy: bool = False) -> bytes:
    buffer = io.BytesIO()
    documents.render(kind, fields, random.Random(4), noisy=noisy).save(buffer, format="PNG")
    return buffer.getvalue()


def _compact(text: str | None) -> str:
    return (text or "").replace(" ", "").upper()


def test_parties_are_read_from_clean_and_noisy_pages() -> None:
    rng = random.Random(2)
    facts = {
        "exporter": "SUN TRADING CO., LTD.",
        "consignee": "广州甲1贸易有限公司",
        "consignee_phone": "13800000001",
    }
    checked = correct = 0
    for kind in documents.KINDS:
        for noisy in (False, True):
            fields = documents.sample_fields(rng, kind, facts)
            read = documents.extract(ocr(documents.render(kind, fields, rng, noisy=noisy)))
            assert read.kind == kind
            for key in (
                "number",
                "date",
                "seller_name",
                "seller_address",
                "seller_phone",
                "buyer_name",
                "buyer_phone",
            ):
                checked += 1
                correct += _compact(read.fields.get(key)) == _compact(fields[key])
    assert correct / checked >= 0.95, (correct, checked)


def test_a_document_mentions_the_subjects_it_names_and_flags_a_stranger(
    world_store: GraphStore, settings: Settings
) -> None:
    resolve_overseas(world_store, settings)
    entry = world_store.query(
        "MATCH (e:Enterprise)<-[:CONSIGNEE]-(d:Declaration)-[:OVERSEAS_PARTY]->() MATCH (e)-[:HAS_PHONE]->() "
        "RETURN d.id AS id ORDER BY d.id LIMIT 1"
    )[0]["id"]
    facts = declaration_parties(world_store, entry)
    record = read_document(
        world_store,
        settings,
        _page("invoice", documents.sample_fields(random.Random(1), "invoice", facts)),
        entry,
    )
    found = {(m["label"], m["id"]): m for m in record["mentions"]}
    assert found[("Enterprise", facts["consignee_id"])]["method"] == "declaration"
    assert found[("OverseasParty", facts["exporter_id"])]["method"] == "declaration"
    assert ("Phone", phone_id(facts["consignee_phone"])) in found and record["flags"] == []
    linked = world_store.query(
        "MATCH (doc:Document {id: $d})-[r:MENTIONS]->(n) RETURN labels(n)[0] AS label, r.role AS role",
        {"d": record["id"]},
    )
    assert {r["label"] for r in linked} >= {"Enterprise", "OverseasParty", "Phone"}
    assert world_store.query(
        "MATCH (:Document {id: $d})-[:DOCUMENT_OF]->(x:Declaration) RETURN x.id AS id", {"d": record["id"]}
    ) == [{"id": entry}]
    # the same declaration's contract names another enterprise of the graph as the buyer
    other = world_store.query(
        "MATCH (e:Enterprise) WHERE e.id <> $c RETURN e.name AS name ORDER BY e.id LIMIT 1",
        {"c": facts["consignee_id"]},
    )[0]["name"]
    fields = documents.sample_fields(random.Random(2), "contract", {**facts, "consignee": other})
    stranger = read_document(world_store, settings, _page("contract", fields), entry)
    assert any(f.startswith("buyer ") and "not the declared consignee" in f for f in stranger["flags"])
    assert any(m["method"] == "name" and m["label"] == "Enterprise" for m in stranger["mentions"])
    with pytest.raises(ValueError, match="no document text"):
        read_document(world_store, settings, _blank(), entry)
    with pytest.raises(KeyError, match="no declaration"):
        read_document(world_store, settings, _page("invoice", fields), "nope")


def _blank() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (800, 1000), "white").save(buffer, format="PNG")
    return buffer.getvalue()
