"""Texture features of each stretch of a scan's load space, from the image alone: how dense the goods are
and how high they stand, the spread of their densities, their grain at two scales, which way their edges
run, how regular their packages are (the period and strength of the density's repetition up and along the
load), and their density profile from floor to roof. The scan model's cargo head reads a stretch's cargo
group from these (``imaging.scans``)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from imaging.cargo_looks import FLOOR, LEFT, RIGHT, ROOF

SEGMENTS = 8  # stretches of the load space along its length, each read as one cargo group or none
GOODS = 0.1  # attenuation above the empty box's: where there are goods
BINS = (0.1, 0.2, 0.3, 0.45, 0.6, 0.8)
PROFILE = 8  # height bands from the floor up


def _period(profile: np.ndarray) -> tuple[float, float]:
    """The first strong repetition of a density profile: its lag (pixels) and its autocorrelation."""
    p = profile - profile.mean()
    if p.std() < 1e-4 or len(p) < 8:
        return 0.0, 0.0
    ac = np.correlate(p, p, mode="full")[len(p) - 1 :]
    ac = ac / (ac[0] + 1e-9)
    low = 4
    peaks = [k for k in range(low, len(ac) - 1) if ac[k] >= ac[k - 1] and ac[k] >= ac[k + 1] and ac[k] > 0.05]
    if not peaks:
        return 0.0, 0.0
    best = max(peaks, key=lambda k: ac[k])
    return float(best), float(ac[best])


NAMES: tuple[str, ...] = (
    "goods_share",
    "goods_height",
    "mean",
    *(f"q{q}" for q in (10, 25, 50, 75, 90)),
    *(f"above_{b}" for b in BINS),
    "fine_grain",
    "coarse_grain",
    "grad_along",
    "grad_up",
    "grad_ratio",
    "edges",
    "period_up",
    "period_up_strength",
    "period_along",
    "period_along_strength",
    *(f"band_{k}" for k in range(PROFILE)),
    "scan_mean",
    "scan_goods_share",
)
NAMES = (*NAMES, *(f"near_{name}" for name in NAMES))  # and the mean of the neighbouring stretches'


def stretch_features(image: np.ndarray) -> np.ndarray:
    """The ``NAMES`` features of each of the ``SEGMENTS`` stretches of one 1024 × 512 scan (``SEGMENTS``
    × features): its own, then the mean of its two neighbours' (its one neighbour's at the ends)."""
    own = _own(image)
    left = np.concatenate([own[1:2], own[:-1]])
    right = np.concatenate([own[1:], own[-2:-1]])
    return np.concatenate([own, (left + right) / 2], axis=1)


def _own(image: np.ndarray) -> np.ndarray:
    load = image[ROOF:FLOOR, LEFT:RIGHT].astype(np.float32)
    smooth = ndimage.gaussian_filter(load, 1.0)
    fine = load - smooth
    coarse = smooth - ndimage.gaussian_filter(load, 4.0)
    gx, gy = ndimage.sobel(smooth, axis=1), ndimage.sobel(smooth, axis=0)
    goods = smooth > GOODS
    edges = np.linspace(0, load.shape[1], SEGMENTS + 1).astype(int)
    whole_mean, whole_share = float(load[goods].mean()) if goods.any() else 0.0, float(goods.mean())
    out = np.zeros((SEGMENTS, len(NAMES) // 2), dtype=np.float32)
    height = load.shape[0]
    for s, (a, b) in enumerate(zip(edges, edges[1:], strict=False)):
        g, v = goods[:, a:b], smooth[:, a:b]
        values = v[g] if g.sum() > 20 else np.zeros(1, dtype=np.float32)
        rows = np.nonzero(g.mean(axis=1) > 0.2)[0]
        top = (height - rows.min()) / height if len(rows) else 0.0
        wide = smooth[:, max(a - (b - a) // 2, 0) : min(b + (b - a) // 2, load.shape[1])]
        up = _period(v.mean(axis=1)[::-1][: max(int(top * height), 1)])
        along = _period(wide[height - max(int(top * height * 0.5), 1) :].mean(axis=0))
        ax, ay = (
            float(np.abs(gx[:, a:b][g]).mean()) if g.any() else 0.0,
            (float(np.abs(gy[:, a:b][g]).mean()) if g.any() else 0.0),
        )
        bands = [
            float(v[height - (k + 1) * height // PROFILE : height - k * height // PROFILE].mean())
            for k in range(PROFILE)
        ]
        out[s] = [
            float(g.mean()),
            top,
            float(values.mean()),
            *np.percentile(values, (10, 25, 50, 75, 90)),
            *((values > t).mean() for t in BINS),
            float(fine[:, a:b][g].std()) if g.any() else 0.0,
            float(coarse[:, a:b][g].std()) if g.any() else 0.0,
            ax,
            ay,
            ax / (ay + 1e-3),
            float((np.hypot(gx[:, a:b], gy[:, a:b]) > 0.4).mean()),
            *up,
            *along,
            *bands,
            whole_mean,
            whole_share,
        ]
    return out
