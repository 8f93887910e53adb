"""Pages into the graph: read an uploaded certificate or trade document, extract its fields, cross-check
them against the declaration (and resolve the parties a document names), and write the result back."""

from __future__ import annotations

import hashlib
from typing import Any

from graph.store import GraphStore
from imaging import documents
from imaging.certificates import cross_check, load_image, ocr
from imaging.certificates import read as read_page
from imaging.errors import UnknownDeclaration
from imaging.mentions import declaration_parties, link
from tianji.core.clock import graph_now
from tianji.core.settings import Settings

REVIEW_BELOW = 0.8


def declaration_facts(store: GraphStore, entry_no: str) -> dict[str, Any]:
    rows = store.query(
        "MATCH (d:Declaration {id: $id})-[:CONSIGNEE]->(e:Enterprise) OPTIONAL MATCH (d)-[:OVERSEAS_PARTY]->(m) "
        "RETURN d.date AS date, d.hs_code AS hs_code, d.origin AS origin, d.quantity AS quantity, "
        "d.goods AS goods, e.name AS consignee, m.name AS exporter",
        {"id": entry_no},
        read_only=True,
    )
    if not rows:
        raise UnknownDeclaration(f"no declaration {entry_no!r}")
    return rows[0]


def read_certificate(store: GraphStore, settings: Settings, data: bytes, entry_no: str) -> dict[str, Any]:
    """OCR an uploaded page, extract its fields, cross-check them and write Image and Certificate nodes."""
    facts = declaration_facts(store, entry_no)
    image, extraction = read_page(load_image(data))
    if extraction.kind is None and not extraction.fields:
        raise ValueError("no certificate text was found on the page (blank, unreadable or not a certificate)")
    digest = hashlib.sha256(data).hexdigest()
    folder = settings.path("images", "x").parent
    path = folder / f"{digest[:16]}.png"
    image.save(path)
    flags = cross_check(extraction.fields, facts)
    low = extraction.low_confidence
    now = graph_now()
    image_id, cert_id = f"img_{digest[:16]}", f"cert_{digest[:16]}"
    store.merge_nodes(
        "Image",
        [
            {
                "id": image_id,
                "kind": "certificate",
                "path": str(path),
                "width": image.width,
                "height": image.height,
                "sha256": digest,
                "source": "upload",
            }
        ],
    )
    store.merge_nodes(
        "Certificate",
        [
            {
                "id": cert_id,
                "cert_type": extraction.kind,
                "number": extraction.fields.get("number"),
                "issuer": extraction.fields.get("issuer"),
                "issue_date": extraction.fields.get("issue_date"),
                "expiry_date": extraction.fields.get("expiry_date"),
                "confidence": round(
                    min((extraction.confidence.get(f, 0.0) for f in extraction.expected), default=0.0), 3
                ),
                "mismatches": flags,
                "fields": [f"{k}={v}" for k, v in sorted(extraction.fields.items())],
                "review": bool(low),
                "read_at": now,
                "source": "imaging.certificates",
            }
        ],
    )
    store.merge_relationships("IMAGE_OF", "Image", "Declaration", [{"start": image_id, "end": entry_no}])
    store.merge_relationships("READ_FROM", "Certificate", "Image", [{"start": cert_id, "end": image_id}])
    store.merge_relationships(
        "CERTIFIES", "Certificate", "Declaration", [{"start": cert_id, "end": entry_no}]
    )
    return {
        "id": cert_id,
        "type": extraction.kind,
        "fields": extraction.fields,
        "confidence": extraction.confidence,
        "mismatches": flags,
        "review": low,
    }


def read_document(store: GraphStore, settings: Settings, data: bytes, entry_no: str) -> dict[str, Any]:
    """OCR an uploaded invoice, packing list or contract; resolve the parties it names against the graph;
    write Image and Document nodes, DOCUMENT_OF the declaration and MENTIONS of every subject found."""
    facts = declaration_parties(store, entry_no)
    image = load_image(data)
    read = documents.extract(ocr(image))
    if read.kind is None:
        turned = image.rotate(180)
        again = documents.extract(ocr(turned))
        if again.kind is not None:
            image, read = turned, again
    if read.kind is None and not read.fields:
        raise ValueError("no document text was found on the page (blank, unreadable or not a trade document)")
    if read.kind is None:
        raise ValueError("not an invoice, packing list or contract: no title was recognised")
    digest = hashlib.sha256(data).hexdigest()
    path = settings.path("images", f"{digest[:16]}.png")
    image.save(path)
    linked = link(store, read, facts)
    low = [k for k, c in read.confidence.items() if c < REVIEW_BELOW]
    now = graph_now()
    image_id, doc_id = f"img_{digest[:16]}", f"doc_{digest[:16]}"
    store.merge_nodes(
        "Image",
        [
            {
                "id": image_id,
                "kind": read.kind,
                "path": str(path),
                "width": image.width,
                "height": image.height,
                "sha256": digest,
                "source": "upload",
            }
        ],
    )
    store.merge_nodes(
        "Document",
        [
            {
                "id": doc_id,
                "kind": read.kind,
                "number": read.fields.get("number"),
                "date": read.fields.get("date"),
                "fields": [f"{k}={v}" for k, v in sorted(read.fields.items())],
                "confidence": round(min(read.confidence.values(), default=0.0), 3),
                "flags": linked.flags,
                "unresolved": linked.unresolved,
                "review": bool(low or linked.unresolved),
                "read_at": now,
                "source": "imaging.documents",
            }
        ],
    )
    store.merge_relationships("READ_FROM", "Document", "Image", [{"start": doc_id, "end": image_id}])
    store.merge_relationships("IMAGE_OF", "Image", "Declaration", [{"start": image_id, "end": entry_no}])
    store.merge_relationships("DOCUMENT_OF", "Document", "Declaration", [{"start": doc_id, "end": entry_no}])
    by_label: dict[str, list[dict[str, Any]]] = {}
    for m in linked.mentions:
        by_label.setdefault(m.label, []).append(
            {
                "start": doc_id,
                "end": m.id,
                "role": m.role,
                "as_read": m.as_read,
                "score": round(m.score, 3),
                "method": m.method,
            }
        )
    for label, rows in by_label.items():
        store.merge_relationships("MENTIONS", "Document", label, rows)
    return {
        "id": doc_id,
        "type": read.kind,
        "fields": read.fields,
        "confidence": read.confidence,
        "mentions": [m.__dict__ for m in linked.mentions],
        "unresolved": linked.unresolved,
        "flags": linked.flags,
        "review": low,
    }
