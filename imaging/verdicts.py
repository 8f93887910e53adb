"""Scan verdicts: the project's scan model (trained on first use), and its verdicts on one scan of a
declaration written back as ImageVerdict nodes."""

from __future__ import annotations

from typing import Any

import numpy as np

from graph.store import GraphStore
from imaging import scans
from imaging.cargo import group_of_hs
from imaging.errors import UnknownDeclaration
from imaging.scan_images import H, W, anomaly_regions, dataset
from imaging.thresholds import EMPTY_ABOVE, SUSPECT_ABOVE
from tianji.core.clock import graph_now
from tianji.core.settings import Settings

SCAN_MODEL = "scannet-3"


def scan_model(
    settings: Settings, *, n: int = 800, epochs: int = 10, iterations: int = 400, retrain: bool = False
) -> scans.ScanModel:
    """The scan model under <data_dir>/models/scans, trained (and its held-out metrics recorded) when missing
    or trained on other cargo groups than ``imaging/cargo_groups.yaml`` holds."""
    folder = settings.data_dir / "models" / "scans"
    if (folder / "cargo.cbm").exists() and not retrain:
        try:
            return scans.load(folder)
        except ValueError:
            pass  # trained on other groups or features: train again
    model, metrics = scans.train(n=n, epochs=epochs, iterations=iterations)
    metrics |= scans.evaluate(model, dataset(150, 2024, "medium")) | {
        "version": SCAN_MODEL,
        "test_images": 150,
        "test_difficulty": "medium",
    }
    scans.save(model, metrics, folder)
    return model


def judge_scan(
    store: GraphStore, settings: Settings, entry_no: str, image: Any, *, image_id: str | None = None
) -> list[dict[str, Any]]:
    """Verdicts on one scan of a declaration, written as ImageVerdict nodes linked to the image and the
    declaration: concealment (with regions), empty container, declared cargo consistent with the declared HS
    code, controlled goods."""
    facts = store.query(
        "MATCH (d:Declaration {id: $id}) RETURN d.hs_code AS hs", {"id": entry_no}, read_only=True
    )
    if not facts:
        raise UnknownDeclaration(f"no declaration {entry_no!r}")
    image = np.asarray(image, dtype=np.float32)
    if image.shape != (H, W):
        raise ValueError(f"a scan is {W}×{H} attenuation values; this one is {image.shape[::-1]}")
    prediction = scans.predict(scan_model(settings), [image])[0]
    return record_verdicts(store, settings, entry_no, image, prediction, facts[0]["hs"], image_id=image_id)


def record_verdicts(
    store: GraphStore,
    settings: Settings,
    entry_no: str,
    image: np.ndarray,
    prediction: dict[str, Any],
    hs_code: str | None,
    *,
    image_id: str | None = None,
) -> list[dict[str, Any]]:
    """Write the scan model's ``prediction`` (``scans.predict``) on ``image`` as the four verdicts; the
    declared cargo is inconsistent when a loaded scan shows a cargo group the HS code's group is not."""
    declared = group_of_hs(hs_code)
    image_id = image_id or f"scan_{entry_no}"
    path = settings.path("images", f"{image_id}.npy")
    np.save(path, image)
    now = graph_now()
    regions = [",".join(map(str, r)) for r in anomaly_regions(image)]
    loaded = prediction["empty"] <= EMPTY_ABOVE
    unlike = scans.undeclared(prediction["groups"], {declared} if declared else set()) if loaded else []
    verdicts = [
        (
            "concealment",
            "suspect" if prediction["concealment"] > SUSPECT_ABOVE else "clear",
            prediction["concealment"],
        ),
        (
            "empty_container",
            "loaded" if loaded else "empty",
            1 - prediction["empty"] if loaded else prediction["empty"],
        ),
        (
            "declared_cargo",
            f"inconsistent: looks like {' and '.join(prediction['groups'])}, declared {declared}"
            if unlike
            else "consistent",
            prediction["group_confidence"],
        ),
        (
            "controlled_goods",
            "suspect" if prediction["controlled"] > SUSPECT_ABOVE else "clear",
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
    store.merge_nodes("Image", [{"id": image_id, "kind": "scan", "path": str(path), "width": W, "height": H}])
    store.merge_relationships("IMAGE_OF", "Image", "Declaration", [{"start": image_id, "end": entry_no}])
    store.merge_nodes("ImageVerdict", rows)
    store.merge_relationships(
        "VERDICT_ON", "ImageVerdict", "Image", [{"start": r["id"], "end": image_id} for r in rows]
    )
    store.merge_relationships(
        "VERDICT_ON", "ImageVerdict", "Declaration", [{"start": r["id"], "end": entry_no} for r in rows]
    )
    return rows
