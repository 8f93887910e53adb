"""Scans: per-task quality on a held-out generated set and inference images/s at 1024 × 512 on 2 cores."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from imaging import scans


def run(scale: str = "medium") -> dict[str, Any]:
    model, metrics = scans.train(n=400, epochs=6)
    test = scans.dataset(300, 2024)
    started = time.perf_counter()
    predictions: list[dict[str, Any]] = []
    for i in range(0, len(test), 32):
        predictions += scans.predict(model, [s.image for s in test[i : i + 32]])
    seconds = time.perf_counter() - started
    loaded = [i for i, s in enumerate(test) if not s.empty]
    rng = np.random.default_rng(8)
    found = 0
    pairs = 40
    for _ in range(pairs):
        first = scans.generate_scan(rng)
        second = scans.generate_scan(rng, base=np.roll(first.image, (3, -4), axis=(0, 1)), concealed=True)
        found += len(scans.compare(first.image, second.image)) == 1
    return {
        "benchmark": "scans",
        **metrics,
        "test_images": len(test),
        "resolution": f"{scans.W}x{scans.H}",
        "images_per_s": round(len(test) / seconds, 1),
        "concealment_auc": round(
            roc_auc_score(
                [test[i].concealed for i in loaded], [predictions[i]["concealment"] for i in loaded]
            ),
            4,
        ),
        "empty_accuracy": round(
            float(np.mean([(p["empty"] > 0.5) == s.empty for p, s in zip(predictions, test, strict=True)])), 4
        ),
        "declared_cargo_accuracy": round(
            float(
                np.mean([scans.CATEGORIES[test[i].category] == predictions[i]["category"] for i in loaded])
            ),
            4,
        ),
        "comparison_found_added_object": round(found / pairs, 3),
    }
