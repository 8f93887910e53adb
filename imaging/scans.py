"""The scan model, trained by the project on generated scans: a small CNN (concealment, empty container,
controlled goods) and a cargo head, a CatBoost classifier of the texture features of each stretch of the
load (``imaging.scan_features``) into a cargo group or none, from which the groups a scan shows are read
and compared with the declared ones; its evaluation, and its weights.

The CNN sees scans (``imaging.scan_images``, 1024 × 512) at 256 × 128; its weights are a torch
``state_dict`` loaded with ``weights_only``, the cargo head is in CatBoost's own format, and a JSON of the
metrics, the cargo groups and features sits beside them (``save``, ``load``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from catboost import CatBoostClassifier
from sklearn.metrics import roc_auc_score
from torch import nn

from imaging.cargo import DIFFICULTIES, GROUPS
from imaging.cargo_looks import LEFT, RIGHT
from imaging.scan_features import NAMES, SEGMENTS, stretch_features
from imaging.scan_images import Scan, dataset

NONE = len(GROUPS)  # the class of a stretch holding no goods
SEEN = 1.2  # a group is seen when the stretches read as it add up to this many stretches' confidence
IGNORE = -1  # a stretch two groups share (a mixed load's boundary): not a training target


class ScanNet(nn.Module):
    """Four convolution blocks and three heads: concealment, empty container, controlled goods."""

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
        self.mean = nn.Sequential(nn.AdaptiveAvgPool2d((2, 4)), nn.Flatten())  # the overall load: empty
        self.conceal = nn.Linear(64 * 16, 1)
        self.empty = nn.Linear(64 * 16, 1)
        self.controlled = nn.Linear(64 * 16, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        features = self.body(x)
        z = torch.cat([self.peak(features), self.mean(features)], dim=1)
        return self.conceal(z).squeeze(1), self.empty(z).squeeze(1), self.controlled(z).squeeze(1)


@dataclass
class ScanModel:
    """The CNN's three heads, and the cargo head: a CatBoost classifier of each stretch's texture features
    (``imaging.scan_features``) into a cargo group or none."""

    net: ScanNet
    cargo: CatBoostClassifier


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


def stretch_targets(scan: Scan) -> list[int]:
    """The training target of each stretch of the load: the group filling most of it, none where less than
    a quarter holds goods, ``IGNORE`` where two groups share it."""
    edges = np.linspace(LEFT, RIGHT, SEGMENTS + 1)
    out = []
    for a, b in zip(edges, edges[1:], strict=False):
        cover = {g: 0.0 for g in GROUPS}
        for g, x0, x1 in scan.spans:
            cover[g] += max(0.0, min(b, x1) - max(a, x0)) / (b - a)
        ranked = sorted(cover.items(), key=lambda kv: -kv[1])
        (first, most), (_, next_most) = ranked[0], ranked[1]
        if most + next_most < 0.25:
            out.append(NONE)
        elif most >= 0.6 and next_most < 0.25:
            out.append(GROUPS.index(first))
        else:
            out.append(IGNORE)
    return out


def _inputs(scans: list[Scan]) -> tuple[torch.Tensor, ...]:
    return (
        tensor([s.image for s in scans]),
        torch.tensor([float(s.anomalous) for s in scans]),
        torch.tensor([float(s.empty) for s in scans]),
        torch.tensor([float(s.controlled) for s in scans]),
    )


def _stretches(scans: list[Scan]) -> tuple[np.ndarray, np.ndarray]:
    features = np.concatenate([stretch_features(s.image) for s in scans])
    targets = np.concatenate([stretch_targets(s) for s in scans])
    keep = targets != IGNORE
    return features[keep], targets[keep]


def train(
    n: int = 800, epochs: int = 10, seed: int = 1, difficulty: str | None = None, iterations: int = 400
) -> tuple[ScanModel, dict[str, Any]]:
    """Train on ``n`` generated scans at ``difficulty`` (None: easy, medium and hard in turn): the CNN for
    ``epochs``, the cargo head for ``iterations`` boosting rounds."""
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    inputs, stretches = [], []
    for i in range(0, n, 100):
        scans = dataset(min(100, n - i), seed * 1000 + i, difficulty)
        inputs.append(_inputs(scans))
        stretches.append(_stretches(scans))
    x, yc, ye, yg = (torch.cat(parts) for parts in zip(*inputs, strict=True))
    net = ScanNet()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    started = time.perf_counter()
    bce = nn.functional.binary_cross_entropy_with_logits
    for _ in range(epochs):
        net.train()
        for idx in torch.randperm(n).split(16):
            c, e, g = net(x[idx])
            loss = bce(c, yc[idx]) + bce(e, ye[idx]) + bce(g, yg[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    cnn_s = time.perf_counter() - started
    features = np.concatenate([f for f, _ in stretches])
    targets = np.concatenate([t for _, t in stretches])
    head = CatBoostClassifier(
        iterations=iterations,
        depth=6,
        learning_rate=0.2,
        loss_function="MultiClass",
        class_names=list(range(NONE + 1)),
        thread_count=2,
        random_seed=seed,
        verbose=False,
        allow_writing_files=False,
    )
    head.fit(features, targets)
    return ScanModel(net, head), {
        "train_images": n,
        "epochs": epochs,
        "train_difficulty": difficulty or "mixed",
        "groups": len(GROUPS),
        "cargo_iterations": iterations,
        "cargo_features": list(NAMES),
        "train_s": round(time.perf_counter() - started, 1),
        "cnn_train_s": round(cnn_s, 1),
    }


def read_groups(probs: np.ndarray) -> tuple[list[str], float]:
    """The cargo groups a scan shows, from its stretches' class probabilities (classes × stretches): those
    that are the likeliest reading of stretches whose confidences add up to ``SEEN``, the most first (the
    likeliest group over the whole load when none does), and the mean confidence of the stretches read as
    goods. Only a stretch's likeliest reading counts for it: probability spread thinly over a group on
    every stretch of a noisy scan is not that group being there."""
    best, confidence = probs.argmax(axis=0), probs.max(axis=0)
    loaded = best != NONE
    mass = np.zeros(NONE)
    np.add.at(mass, best[loaded], confidence[loaded])
    order = [int(i) for i in np.argsort(-mass)]
    seen = [GROUPS[i] for i in order if mass[i] >= SEEN] or [GROUPS[int(np.argmax(probs[:NONE].sum(axis=1)))]]
    mean = float(probs[:NONE].max(axis=0)[loaded].mean()) if loaded.any() else float(probs[:NONE].max())
    return seen, mean


def undeclared(seen: list[str], declared: set[str]) -> list[str]:
    """The groups a loaded scan shows that the declaration does not declare (none when nothing declared has
    a cargo look: nothing to compare with)."""
    return [g for g in seen if g not in declared] if declared else []


@torch.no_grad()
def predict(model: ScanModel, images: list[np.ndarray]) -> list[dict[str, Any]]:
    """What the model reads on each scan: the probabilities of concealment, an empty box and controlled
    goods, the cargo groups it shows (the main one first) and the cargo head's confidence in them."""
    model.net.eval()
    c, e, g = model.net(tensor(images))
    conceal, empty, controlled = torch.sigmoid(c), torch.sigmoid(e), torch.sigmoid(g)
    probs = model.cargo.predict_proba(np.concatenate([stretch_features(image) for image in images]))
    out = []
    for i in range(len(images)):
        groups, confidence = read_groups(probs[i * SEGMENTS : (i + 1) * SEGMENTS].T)
        out.append(
            {
                "concealment": float(conceal[i]),
                "empty": float(empty[i]),
                "groups": groups,
                "group_confidence": confidence,
                "controlled": float(controlled[i]),
            }
        )
    return out


def _auc(truth: list[bool], score: list[float]) -> float | None:
    return round(float(roc_auc_score(truth, score)), 4) if len(set(truth)) == 2 else None


def declared_for(scan: Scan, i: int) -> set[str]:
    """The groups a test declaration declares for the ``i``-th scan: in turn what it holds, another group
    (a mismatch), and its main group only (a mismatch when the load is mixed)."""
    if i % 3 == 0:
        return set(scan.groups)
    if i % 3 == 1:
        others = [g for g in GROUPS if g not in scan.groups]
        return {others[(i // 3) % len(others)]}
    return {scan.groups[0]}


def evaluate(model: ScanModel, test: list[Scan]) -> dict[str, Any]:
    """Per-task quality on a held-out set: AUCs for concealment and controlled goods, accuracies otherwise;
    the declared cargo read right (the groups a loaded scan shows, all and only them) overall, per group,
    on mixed loads and partial fills; and the mismatches between scan and declaration found (precision,
    recall) on declarations that declare what is there, another group, or half a mixed load."""
    predictions: list[dict[str, Any]] = []
    for i in range(0, len(test), 32):
        predictions += predict(model, [s.image for s in test[i : i + 32]])
    loaded = [i for i, s in enumerate(test) if not s.empty]
    right = {i: set(predictions[i]["groups"]) == set(test[i].groups) for i in loaded}
    tp = fp = fn = agree = 0
    for k, i in enumerate(loaded):
        declared = declared_for(test[i], k)
        truth = bool(undeclared(list(test[i].groups), declared))
        flagged = bool(undeclared(predictions[i]["groups"], declared))
        tp, fp, fn = tp + (truth and flagged), fp + (flagged and not truth), fn + (truth and not flagged)
        agree += truth == flagged
    mixed = [i for i in loaded if len(test[i].groups) > 1]
    partial = [i for i in loaded if test[i].partial]
    trucks = [i for i in loaded if test[i].vehicle == "truck"]
    return {
        "concealment_auc": _auc(
            [test[i].anomalous for i in loaded], [predictions[i]["concealment"] for i in loaded]
        ),
        "controlled_auc": _auc(
            [test[i].controlled for i in loaded], [predictions[i]["controlled"] for i in loaded]
        ),
        "empty_accuracy": round(
            float(np.mean([(p["empty"] > 0.5) == s.empty for p, s in zip(predictions, test, strict=True)])), 4
        ),
        "declared_cargo_accuracy": round(float(np.mean(list(right.values()))), 4),
        "per_group": {
            g: round(float(np.mean([right[i] for i in loaded if g in test[i].groups])), 3)
            for g in GROUPS
            if any(g in test[i].groups for i in loaded)
        },
        "mixed_load_accuracy": round(float(np.mean([right[i] for i in mixed])), 3) if mixed else None,
        "partial_fill_accuracy": round(float(np.mean([right[i] for i in partial])), 3) if partial else None,
        "mismatch_precision": round(tp / max(tp + fp, 1), 3),
        "mismatch_recall": round(tp / max(tp + fn, 1), 3),
        "consistency_accuracy": round(agree / max(len(loaded), 1), 4),
        "truck_concealment_auc": _auc(
            [test[i].anomalous for i in trucks], [predictions[i]["concealment"] for i in trucks]
        ),
    }


def curves(model: ScanModel, n: int, seed: int = 2024) -> dict[str, dict[str, Any]]:
    """``evaluate`` on ``n`` held-out scans at each difficulty."""
    return {d: evaluate(model, dataset(n, seed, d)) for d in DIFFICULTIES}


def save(model: ScanModel, metrics: dict[str, Any], folder: Path) -> Path:
    """The CNN as a torch ``state_dict`` (``scannet.pt``), the cargo head in CatBoost's format
    (``cargo.cbm``), and a JSON of the metrics, the groups and the cargo features beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.net.state_dict(), folder / "scannet.pt")
    model.cargo.save_model(str(folder / "cargo.cbm"))
    sidecar = {**metrics, "cargo_groups": list(GROUPS), "cargo_features": list(NAMES)}
    (folder / "scannet.json").write_text(json.dumps(sidecar, indent=1))
    return folder


def load(folder: Path) -> ScanModel:
    """The model ``save`` wrote; refused when its cargo groups or features are not this code's."""
    sidecar = json.loads((folder / "scannet.json").read_text())
    if sidecar.get("cargo_groups") != list(GROUPS) or sidecar.get("cargo_features") != list(NAMES):
        raise ValueError(
            f"the scan model in {folder} was trained on other cargo groups or features: retrain it"
        )
    net = ScanNet()
    net.load_state_dict(torch.load(folder / "scannet.pt", weights_only=True))
    cargo = CatBoostClassifier()
    cargo.load_model(str(folder / "cargo.cbm"))
    return ScanModel(net, cargo)
