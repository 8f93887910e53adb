"""Scans: per-task quality on a held-out generated set and inference images/s at 1024 × 512 on 2 cores."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from imaging import scan_images, scans


def run(scale: str = "medium") -> dict[str, Any]:
    model, metrics = scans.train()
    test = scan_images.dataset(300, 2024)
    started = time.perf_counter()
    for i in range(0, len(test), 32):
        scans.predict(model, [s.image for s in test[i : i + 32]])
    seconds = time.perf_counter() - started
    rng = np.random.default_rng(8)
    found = 0
    pairs = 40
    for _ in range(pairs):
        first = scan_images.generate_scan(rng)
        second = scan_images.generate_scan(
            rng, base=np.roll(first.image, (3, -4), axis=(0, 1)), concealed=True
        )
        found += len(scan_images.compare(first.image, second.image)) == 1
    return {
        "benchmark": "scans",
        **metrics,
        "test_images": len(test),
        "trucks": sum(1 for s in test if s.vehicle == "truck"),
        "controlled": sum(1 for s in test if s.controlled),
        "resolution": f"{scan_images.W}x{scan_images.H}",
        "images_per_s": round(len(test) / seconds, 1),
        **scans.evaluate(model, test),
        "comparison_found_added_object": round(found / pairs, 3),
    }
