"""Scans: per-task quality on held-out generated sets at each difficulty (easy, medium, hard: the quality
curves), with the declared cargo read right overall and per cargo group and the mismatches with the
declaration found; inference images/s at 1024 × 512 on 2 cores; image-to-image comparison."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from imaging import scan_images, scans
from imaging.cargo import DIFFICULTIES

SIZES = {
    "small": (600, 120),
    "medium": (1200, 300),
    "large": (2400, 600),
}  # training scans, test scans per step


def run(scale: str = "medium") -> dict[str, Any]:
    train_n, test_n = SIZES.get(scale, SIZES["medium"])
    model, metrics = scans.train(n=train_n)
    curves = {}
    seconds = 0.0
    for difficulty in DIFFICULTIES:
        test = scan_images.dataset(test_n, 2024, difficulty)
        started = time.perf_counter()
        curves[difficulty] = scans.evaluate(model, test)
        seconds += time.perf_counter() - started
    rng = np.random.default_rng(8)
    found = 0
    pairs = 40
    for _ in range(pairs):
        first = scan_images.generate_scan(rng)
        second = scan_images.generate_scan(
            rng, base=np.roll(first.image, (3, -4), axis=(0, 1)), concealed=True
        )
        found += len(scan_images.compare(first.image, second.image)) == 1
    medium = curves["medium"]
    return {
        "benchmark": "scans",
        "scale": scale,
        **{k: v for k, v in metrics.items() if k != "cargo_features"},
        "test_images_per_step": test_n,
        "resolution": f"{scan_images.W}x{scan_images.H}",
        "images_per_s": round(len(DIFFICULTIES) * test_n / seconds, 1),
        "concealment_auc": medium["concealment_auc"],
        "empty_accuracy": medium["empty_accuracy"],
        "declared_cargo_accuracy": medium["declared_cargo_accuracy"],
        "declared_cargo_accuracy_hard": curves["hard"]["declared_cargo_accuracy"],
        "curves": curves,
        "comparison_found_added_object": round(found / pairs, 3),
    }
