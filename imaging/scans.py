"""The scan model: a small CNN trained by the project on generated scans (concealment, empty container,
declared-cargo category, controlled goods), its evaluation, and its weights.

The model sees scans (``imaging.scan_images``, 1024 × 512) at 256 × 128; weights are a torch ``state_dict``
written by ``save`` with a JSON of metrics beside it, loaded with ``weights_only``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from imaging.scan_images import CATEGORIES, Scan, dataset


class ScanNet(nn.Module):
    """Four convolution blocks and four heads: concealment, empty container, cargo category, controlled goods."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = [2, 16, 32, 48, 64]
        for a, b in zip(channels, channels[1:], strict=False):
            layers += [
                nn.Conv2d(a, b, 3, padding=1),
                nn.BatchNorm2d(b, momentum=None),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
        self.body = nn.Sequential(*layers)
        self.peak = nn.Sequential(nn.AdaptiveMaxPool2d((2, 4)), nn.Flatten())  # the densest spot: concealment
        self.mean = nn.Sequential(
            nn.AdaptiveAvgPool2d((2, 4)), nn.Flatten()
        )  # the overall load: empty, cargo
        self.conceal = nn.Linear(64 * 16, 1)
        self.empty = nn.Linear(64 * 16, 1)
        self.category = nn.Linear(64 * 16, len(CATEGORIES))
        self.controlled = nn.Linear(64 * 16, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        features = self.body(x)
        z = torch.cat([self.peak(features), self.mean(features)], dim=1)
        return (
            self.conceal(z).squeeze(1),
            self.empty(z).squeeze(1),
            self.category(z),
            self.controlled(z).squeeze(1),
        )


def tensor(images: list[np.ndarray]) -> torch.Tensor:
    """1024 × 512 scans down to 256 × 128 (area averaging keeps small dense objects visible), with a second
    channel holding what stands out from the cargo around it (local mean), where concealment shows."""
    interior = np.stack(
        [image[72:448, 50:982] for image in images]
    )  # the load space: walls, chassis left out
    small = nn.functional.avg_pool2d(torch.from_numpy(interior).unsqueeze(1), 4)
    local = nn.functional.avg_pool2d(small, 15, stride=1, padding=7, count_include_pad=False)
    dense = torch.clamp((small - local - 0.12) * 4, 0, 1)  # what is denser than the cargo around it
    return torch.cat([small, dense], dim=1)


def train(n: int = 800, epochs: int = 5, seed: int = 1) -> tuple[ScanNet, dict[str, Any]]:
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    scans = dataset(n, seed)
    x = tensor([s.image for s in scans])
    yc = torch.tensor([float(s.anomalous) for s in scans])
    ye = torch.tensor([float(s.empty) for s in scans])
    yk = torch.tensor([s.category for s in scans])
    yg = torch.tensor([float(s.controlled) for s in scans])
    model = ScanNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    started = time.perf_counter()
    bce = nn.functional.binary_cross_entropy_with_logits
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(n).split(32):
            c, e, k, g = model(x[idx])
            full = ye[idx] == 0
            loss = bce(c, yc[idx]) + bce(e, ye[idx]) + bce(g, yg[idx])
            if full.any():
                loss = loss + nn.functional.cross_entropy(k[full], yk[idx][full])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model, {"train_images": n, "epochs": epochs, "train_s": round(time.perf_counter() - started, 1)}


@torch.no_grad()
def predict(model: ScanNet, images: list[np.ndarray]) -> list[dict[str, Any]]:
    model.eval()
    c, e, k, g = model(tensor(images))
    conceal, empty, probs, controlled = (
        torch.sigmoid(c),
        torch.sigmoid(e),
        torch.softmax(k, 1),
        torch.sigmoid(g),
    )
    return [
        {
            "concealment": float(conceal[i]),
            "empty": float(empty[i]),
            "category": CATEGORIES[int(probs[i].argmax())],
            "category_confidence": float(probs[i].max()),
            "controlled": float(controlled[i]),
        }
        for i in range(len(images))
    ]


def evaluate(model: ScanNet, test: list[Scan]) -> dict[str, float]:
    """Per-task quality on a held-out set: AUCs for concealment and controlled goods, accuracies otherwise."""
    predictions: list[dict[str, Any]] = []
    for i in range(0, len(test), 32):
        predictions += predict(model, [s.image for s in test[i : i + 32]])
    loaded = [i for i, s in enumerate(test) if not s.empty]
    return {
        "concealment_auc": round(
            float(
                roc_auc_score(
                    [test[i].anomalous for i in loaded], [predictions[i]["concealment"] for i in loaded]
                )
            ),
            4,
        ),
        "controlled_auc": round(
            float(
                roc_auc_score(
                    [test[i].controlled for i in loaded], [predictions[i]["controlled"] for i in loaded]
                )
            ),
            4,
        ),
        "empty_accuracy": round(
            float(np.mean([(p["empty"] > 0.5) == s.empty for p, s in zip(predictions, test, strict=True)])), 4
        ),
        "declared_cargo_accuracy": round(
            float(np.mean([CATEGORIES[test[i].category] == predictions[i]["category"] for i in loaded])), 4
        ),
        "truck_concealment_auc": round(
            float(
                roc_auc_score(
                    [test[i].anomalous for i in loaded if test[i].vehicle == "truck"],
                    [predictions[i]["concealment"] for i in loaded if test[i].vehicle == "truck"],
                )
            ),
            4,
        ),
    }


def save(model: ScanNet, metrics: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "scannet.pt")
    (folder / "scannet.json").write_text(json.dumps(metrics, indent=1))
    return folder


def load(folder: Path) -> ScanNet:
    model = ScanNet()
    model.load_state_dict(torch.load(folder / "scannet.pt", weights_only=True))
    return model
