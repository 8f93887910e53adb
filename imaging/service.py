"""Certificates into the graph: read an image, extract, cross-check against its declaration, write back."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

from rich.console import Console

from graph.store import GraphStore
from imaging.certificates import FIELDS, cross_check, extract, load_image, ocr, render, sample_fields, upright
from imaging.errors import UnknownDeclaration
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
    image = upright(load_image(data))
    extraction = extract(ocr(image))
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
                "confidence": round(min((extraction.confidence.get(f, 0.0) for f in FIELDS), default=0.0), 3),
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
    from imaging import documents
    from imaging.mentions import declaration_parties, link

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


def run_documents(store: GraphStore, settings: Settings, world: Path | None = None, count: int = 6) -> int:
    """Bootstrap step: an invoice, a packing list and a contract for a few demo declarations (one with a
    buyer who is not the declared consignee), read and linked to the subjects they name."""
    import io

    from imaging import documents
    from imaging.mentions import declaration_parties

    rng = random.Random(8)
    rows = store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(:Enterprise) MATCH (d)-[:OVERSEAS_PARTY]->() RETURN d.id AS id "
        "ORDER BY d.id SKIP 40 LIMIT $n",
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
    import io

    rng = random.Random(5)
    rows = store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(e:Enterprise) RETURN d.id AS id ORDER BY d.id LIMIT $n",
        {"n": count},
        read_only=True,
    )
    kinds = [
        "phytosanitary",
        "origin",
        "health",
        "quality",
        "fumigation",
        "veterinary",
        "free_sale",
        "conformity",
    ]
    for i, row in enumerate(rows):
        facts = declaration_facts(store, row["id"])
        facts["quantity"] = int(facts["quantity"] or 1)
        fields = sample_fields(rng, kinds[i % len(kinds)], facts if i % 3 else {**facts, "origin": "XX"})
        buffer = io.BytesIO()
        render(kinds[i % len(kinds)], fields, rng, noisy=i % 2 == 1).save(buffer, format="PNG")
        read_certificate(store, settings, buffer.getvalue(), row["id"])
    Console().print(f"  {len(rows)} certificates read and cross-checked")
    return len(rows)


def scan_model(settings: Settings, *, n: int = 800, epochs: int = 5, retrain: bool = False) -> Any:
    """The scan model under <data_dir>/models/scans, trained (and its held-out metrics recorded) when missing."""
    from imaging import scans

    folder = settings.data_dir / "models" / "scans"
    if (folder / "scannet.pt").exists() and not retrain:
        return scans.load(folder)
    model, metrics = scans.train(n=n, epochs=epochs)
    metrics |= scans.evaluate(model, scans.dataset(300, 2024)) | {"version": SCAN_MODEL, "test_images": 300}
    scans.save(model, metrics, folder)
    return model


SCAN_MODEL = "scannet-2"


def judge_scan(
    store: GraphStore, settings: Settings, entry_no: str, image: Any, *, image_id: str | None = None
) -> list[dict[str, Any]]:
    """Verdicts on one scan of a declaration, written as ImageVerdict nodes linked to the image and the
    declaration: concealment (with regions), empty container, declared cargo consistent with the declared HS
    code, controlled goods."""
    import numpy as np

    from imaging import scans

    facts = store.query(
        "MATCH (d:Declaration {id: $id}) RETURN d.hs_code AS hs", {"id": entry_no}, read_only=True
    )
    if not facts:
        raise UnknownDeclaration(f"no declaration {entry_no!r}")
    image = np.asarray(image, dtype=np.float32)
    if image.shape != (scans.H, scans.W):
        raise ValueError(f"a scan is {scans.W}×{scans.H} attenuation values; this one is {image.shape[::-1]}")
    prediction = scans.predict(scan_model(settings), [image])[0]
    declared = scans.category_of_hs(facts[0]["hs"])
    image_id = image_id or f"scan_{entry_no}"
    path = settings.path("images", f"{image_id}.npy")
    np.save(path, image)
    now = graph_now()
    regions = [",".join(map(str, r)) for r in scans.anomaly_regions(image)]
    loaded = prediction["empty"] <= 0.5
    consistent = declared is None or not loaded or prediction["category"] == declared
    verdicts = [
        ("concealment", "suspect" if prediction["concealment"] > 0.5 else "clear", prediction["concealment"]),
        (
            "empty_container",
            "loaded" if loaded else "empty",
            1 - prediction["empty"] if loaded else prediction["empty"],
        ),
        (
            "declared_cargo",
            "consistent"
            if consistent
            else f"inconsistent: looks like {prediction['category']}, declared {declared}",
            prediction["category_confidence"],
        ),
        (
            "controlled_goods",
            "suspect" if prediction["controlled"] > 0.5 else "clear",
            prediction["controlled"],
        ),
    ]
    rows = [
        {
            "id": f"verdict_{image_id}_{task}",
            "task": task,
            "verdict": verdict,
            "confidence": round(float(confidence), 4),
            "regions": regions if task == "concealment" else [],
            "model_version": SCAN_MODEL,
            "computed_at": now,
            "source": "imaging.scans",
        }
        for task, verdict, confidence in verdicts
    ]
    store.merge_nodes(
        "Image", [{"id": image_id, "kind": "scan", "path": str(path), "width": scans.W, "height": scans.H}]
    )
    store.merge_relationships("IMAGE_OF", "Image", "Declaration", [{"start": image_id, "end": entry_no}])
    store.merge_nodes("ImageVerdict", rows)
    store.merge_relationships(
        "VERDICT_ON", "ImageVerdict", "Image", [{"start": r["id"], "end": image_id} for r in rows]
    )
    store.merge_relationships(
        "VERDICT_ON", "ImageVerdict", "Declaration", [{"start": r["id"], "end": entry_no} for r in rows]
    )
    return rows


def run_scans(store: GraphStore, settings: Settings, world: Path | None = None, count: int = 12) -> int:
    """Bootstrap step: scans for a few demo declarations (road cargo on trucks, some with concealed objects,
    a controlled-goods silhouette, cargo unlike the declared goods, an empty box), judged and written back."""
    import numpy as np

    from imaging import scans

    rng = np.random.default_rng(9)
    rows = store.query(
        "MATCH (d:Declaration) RETURN d.id AS id, d.hs_code AS hs, d.transport AS transport ORDER BY d.id "
        "SKIP 20 LIMIT $n",
        {"n": count},
        read_only=True,
    )
    suspect = 0
    for i, row in enumerate(rows):
        declared = scans.category_of_hs(row["hs"])
        category = scans.CATEGORIES.index(declared) if declared else int(rng.integers(len(scans.CATEGORIES)))
        if i % 4 == 2:  # goods unlike the declared ones
            category = (category + 1) % len(scans.CATEGORIES)
        scan = scans.generate_scan(
            rng,
            category=category,
            empty=i % 6 == 0,
            concealed=i % 3 == 1,
            controlled=i % 7 == 3,
            vehicle="truck" if row["transport"] == "road" else "container",
        )
        verdicts = judge_scan(store, settings, row["id"], scan.image)
        suspect += any(v["verdict"] == "suspect" or v["verdict"].startswith("inconsistent") for v in verdicts)
    Console().print(f"  {len(rows)} scans judged ({suspect} with a suspect verdict)")
    return len(rows)
