"""Uploading certificates and trade documents through the API; reading them back and reviewing them in GraphQL."""

from __future__ import annotations

import io
import random
from typing import Any

import httpx

from imaging import certificate_pages, documents
from imaging.mentions import declaration_parties
from ingest.resolution.overseas import resolve_overseas
from tests.api.conftest import ApiServer, codes


def _png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_uploaded_pages_are_read_linked_listed_and_reviewed(api: ApiServer, gql: Any) -> None:
    resolve_overseas(api.store, api.settings)
    entry = api.store.query(
        "MATCH (:Enterprise)<-[:CONSIGNEE]-(d:Declaration)-[:OVERSEAS_PARTY]->() RETURN d.id AS id ORDER BY d.id LIMIT 1"
    )[0]["id"]
    facts = declaration_parties(api.store, entry)
    rng = random.Random(3)
    headers = {"Authorization": f"Bearer {api.tokens['inv_gz']}"}
    with httpx.Client(base_url=api.url, timeout=60, headers=headers) as client:
        cert_fields = certificate_pages.sample_fields(
            rng, "origin", {**facts, "origin": "XX"}
        )  # a wrong origin
        response = client.post(
            f"/certificates/{entry}",
            files={"file": ("c.png", _png(certificate_pages.render("origin", cert_fields, rng)))},
        )
        assert response.status_code == 200, response.text
        certificate = response.json()
        assert certificate["type"] == "origin" and any("origin" in m for m in certificate["mismatches"])
        doc_fields = documents.sample_fields(rng, "packing_list", facts)
        response = client.post(
            f"/documents/{entry}",
            files={"file": ("d.png", _png(documents.render("packing_list", doc_fields, rng)))},
        )
        assert response.status_code == 200, response.text
        document = response.json()
        assert {m["label"] for m in document["mentions"]} >= {"Enterprise", "OverseasParty"}
        bad = client.post(f"/documents/{entry}", files={"file": ("x.pdf", b"%PDF-1.4 nothing")})
        assert bad.status_code == 400 and "PDF" in bad.json()["errors"][0]["message"]
        missing = client.post("/documents/nope", files={"file": ("d.png", b"x")})
        assert missing.status_code == 404
    query = (
        "query($e: String!) { certificates(entryNo: $e) { id } documents(entryNo: $e) { id } "
        "imagingReviewQueue { id label declaration mismatches } }"
    )
    _, body = gql(api.tokens["inv_gz"], query, {"e": entry})
    data = body["data"]
    assert [c["id"] for c in data["certificates"]] == [certificate["id"]]
    assert [d["id"] for d in data["documents"]] == [document["id"]]
    queued = {r["id"]: r for r in data["imagingReviewQueue"]}
    assert queued[certificate["id"]]["declaration"] == entry and queued[certificate["id"]]["mismatches"]
    review = "mutation($id: String!, $c: [String!]) { reviewReading(id: $id, corrected: $c) { fields } }"
    assert codes(gql(api.tokens["inv_gz"], review, {"id": certificate["id"]})[1]) == ["FORBIDDEN"]
    _, body = gql(api.tokens["analyst_gz"], review, {"id": certificate["id"], "c": ["origin=VN"]})
    assert "origin=VN" in body["data"]["reviewReading"]["fields"]
    _, body = gql(api.tokens["inv_gz"], "{ imagingReviewQueue { id } }")
    assert certificate["id"] not in {r["id"] for r in body["data"]["imagingReviewQueue"]}
    _, body = gql(api.tokens["analyst_gz"], review, {"id": "cert_nothing"})
    assert codes(body) == ["NOT_FOUND"]
    _, body = gql(api.tokens["inv_gz"], "query($e: String!) { images(entryNo: $e) { id } }", {"e": entry})
    images = [i["id"] for i in body["data"]["images"]]
    assert len(images) == 2  # the certificate page and the packing list page
    picture = httpx.get(f"{api.url}/images/{images[0]}", headers=headers, timeout=30)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert picture.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert httpx.get(f"{api.url}/images/{images[0]}", timeout=30).status_code == 401
    assert httpx.get(f"{api.url}/images/img_nothing", headers=headers, timeout=30).status_code == 404
