"""Scanner images: generated X-ray-like container scans, a small CNN trained by the project (concealment,
empty container, declared-cargo category), anomaly regions, and image-to-image comparison.

Scans are 1024 × 512 (attenuation 0–1, brighter is denser). The model sees them at 256 × 128; weights are
a torch ``state_dict`` written by ``train`` with a JSON of metrics beside it, loaded with ``weights_only``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy import ndimage
from torch import nn

CATEGORIES = ("machinery", "textiles", "foodstuffs", "electronics")  # cargo textures by HS chapter group
DENSITY = {"machinery": 0.55, "textiles": 0.25, "foodstuffs": 0.38, "electronics": 0.45}
H, W = 512, 1024


@dataclass
class Scan:
    image: np.ndarray
    category: int
    empty: bool
    concealed: bool
    region: tuple[int, int, int, int] | None  # y0, x0, y1, x1 of the concealed object


def generate_scan(
    rng: np.random.Generator,
    *,
    category: int | None = None,
    empty: bool = False,
    concealed: bool = False,
    base: np.ndarray | None = None,
) -> Scan:
    cat = int(rng.integers(len(CATEGORIES))) if category is None else category
    if base is None:
        image = np.full((H, W), 0.05, dtype=np.float32)
        image[60:70, 40:990] = image[440:452, 40:990] = 0.9  # roof and floor of the container
        image[60:452, 40:48] = image[60:452, 982:990] = 0.9
        if not empty:
            density = DENSITY[CATEGORIES[cat]]
            if CATEGORIES[cat] in ("machinery", "electronics"):  # boxes on a grid
                for y in range(80, 430, 70):
                    for x in range(60, 960, 90):
                        image[y + 4 : y + 60, x + 4 : x + 80] = density * rng.uniform(0.8, 1.2)
            else:  # bulk goods: smooth fill
                fill = ndimage.gaussian_filter(rng.normal(density, 0.08, (370, 930)), 6).astype(np.float32)
                image[75:445, 50:980] = fill
        image += rng.normal(0, 0.02, image.shape).astype(np.float32)
    else:
        image = base.copy()
    region = None
    if concealed:
        h, w = int(rng.integers(30, 70)), int(rng.integers(40, 110))
        y0, x0 = int(rng.integers(100, 420 - h)), int(rng.integers(80, 950 - w))
        image[y0 : y0 + h, x0 : x0 + w] += 0.45
        region = (y0, x0, y0 + h, x0 + w)
    return Scan(np.clip(image, 0, 1), cat, empty, concealed, region)


def dataset(n: int, seed: int) -> list[Scan]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        empty = i % 5 == 0
        out.append(generate_scan(rng, empty=empty, concealed=(not empty and rng.random() < 0.5)))
    return out


class ScanNet(nn.Module):
    """Four convolution blocks and three heads: concealment, empty container, cargo category."""

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

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        features = self.body(x)
        z = torch.cat([self.peak(features), self.mean(features)], dim=1)
        return self.conceal(z).squeeze(1), self.empty(z).squeeze(1), self.category(z)


def tensor(images: list[np.ndarray]) -> torch.Tensor:
    """1024 × 512 scans down to 256 × 128 (area averaging keeps small dense objects visible), with a second
    channel holding what stands out from the local background (a median filter), where concealment shows."""
    interior = np.stack([image[72:448, 50:982] for image in images])  # the load space, walls left out
    small = nn.functional.avg_pool2d(torch.from_numpy(interior).unsqueeze(1), 4)
    dense = torch.clamp((small - 0.7) * 4, 0, 1)  # what is denser than any declared cargo
    return torch.cat([small, dense], dim=1)


def train(n: int = 400, epochs: int = 6, seed: int = 1) -> tuple[ScanNet, dict[str, Any]]:
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    scans = dataset(n, seed)
    x = tensor([s.image for s in scans])
    yc = torch.tensor([float(s.concealed) for s in scans])
    ye = torch.tensor([float(s.empty) for s in scans])
    yk = torch.tensor([s.category for s in scans])
    model = ScanNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    started = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(n).split(32):
            c, e, k = model(x[idx])
            full = ye[idx] == 0
            loss = nn.functional.binary_cross_entropy_with_logits(
                c, yc[idx]
            ) + nn.functional.binary_cross_entropy_with_logits(e, ye[idx])
            if full.any():
                loss = loss + nn.functional.cross_entropy(k[full], yk[idx][full])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model, {"train_images": n, "epochs": epochs, "train_s": round(time.perf_counter() - started, 1)}


@torch.no_grad()
def predict(model: ScanNet, images: list[np.ndarray]) -> list[dict[str, Any]]:
    model.eval()
    c, e, k = model(tensor(images))
    conceal, empty, probs = torch.sigmoid(c), torch.sigmoid(e), torch.softmax(k, 1)
    return [
        {
            "concealment": float(conceal[i]),
            "empty": float(empty[i]),
            "category": CATEGORIES[int(probs[i].argmax())],
            "category_confidence": float(probs[i].max()),
        }
        for i in range(len(images))
    ]


def anomaly_regions(image: np.ndarray, threshold: float = 0.3) -> list[tuple[int, int, int, int]]:
    """Dense spots standing out from their surroundings (after removing the local background)."""
    background = ndimage.median_filter(image[::4, ::4], size=9)
    residual = image[::4, ::4] - background
    labels, _ = ndimage.label(residual > threshold)
    boxes = []
    limit = residual.size // 20  # the container walls are structure, not anomalies
    for sl in ndimage.find_objects(labels):
        area = (sl[0].stop - sl[0].start) * (sl[1].stop - sl[1].start) if sl is not None else 0
        if sl is not None and 12 <= area <= limit:
            boxes.append((sl[0].start * 4, sl[1].start * 4, sl[0].stop * 4, sl[1].stop * 4))
    return boxes


def compare(
    before: np.ndarray, after: np.ndarray, threshold: float = 0.25
) -> list[tuple[int, int, int, int]]:
    """Register ``after`` onto ``before`` (phase correlation) and return the regions that were added."""
    f = np.fft.fft2(before) * np.conj(np.fft.fft2(after))
    shift = np.unravel_index(np.argmax(np.abs(np.fft.ifft2(f / (np.abs(f) + 1e-9)))), before.shape)
    dy, dx = (s if s < n // 2 else s - n for s, n in zip(shift, before.shape, strict=True))
    aligned = np.roll(after, (dy, dx), axis=(0, 1))
    labels, _ = ndimage.label(ndimage.binary_opening(aligned - before > threshold, iterations=2))
    return [
        (sl[0].start, sl[1].start, sl[0].stop, sl[1].stop)
        for sl in ndimage.find_objects(labels)
        if sl is not None
    ]


def save(model: ScanNet, metrics: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "scannet.pt")
    (folder / "scannet.json").write_text(json.dumps(metrics, indent=1))
    return folder


def load(folder: Path) -> ScanNet:
    model = ScanNet()
    model.load_state_dict(torch.load(folder / "scannet.pt", weights_only=True))
    return model
