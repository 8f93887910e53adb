"""Drawing a load of goods on a scan from its look (``imaging.cargo.Look``): packages stacked from the floor
in rows (cartons, bales, sacks, drums, rings, planks, bars), bulk up to a fill line, castings, cars; each
layer given its grain and its edge softness.

Coordinates are the scan's (1024 × 512): the load space runs from ``LEFT`` to ``RIGHT`` and from ``ROOF``
down to the ``FLOOR``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage

from imaging.cargo import Look

ROOF, FLOOR, LEFT, RIGHT = 72, 440, 50, 980
Stamp = Callable[[np.random.Generator, Look, int, int, float], np.ndarray]


def _box(rng: np.random.Generator, look: Look, h: int, w: int, d: float) -> np.ndarray:
    """A carton: its goods, a denser wall, and the items inside it where the look has them."""
    out = np.full((h, w), d, dtype=np.float32)
    t = 2
    out[:t] = out[-t:] = d * (1 + look.wall)
    out[:, :t] = out[:, -t:] = d * (1 + look.wall)
    if look.inner is not None:
        for _ in range(int(rng.integers(look.inner.count[0], look.inner.count[1] + 1))):
            ih = int(rng.integers(look.inner.size[0][0], look.inner.size[0][1] + 1))
            iw = int(rng.integers(look.inner.size[1][0], look.inner.size[1][1] + 1))
            if ih + 2 * t >= h or iw + 2 * t >= w:
                continue
            y, x = int(rng.integers(t, h - ih - t)), int(rng.integers(t, w - iw - t))
            out[y : y + ih, x : x + iw] += look.inner.density
    return out


def _bale(rng: np.random.Generator, look: Look, h: int, w: int, d: float) -> np.ndarray:
    out = np.zeros((h, w), dtype=np.float32)
    out[4:-4, 4:-4] = d
    return out


def _sack(rng: np.random.Generator, look: Look, h: int, w: int, d: float) -> np.ndarray:
    """A filled sack: a pillow (a superellipse), fuller in the middle."""
    yy, xx = np.mgrid[-1 : 1 : h * 1j, -1 : 1 : w * 1j]
    r = np.abs(yy) ** 2.5 + np.abs(xx) ** 4
    return (d * (r <= 1) * (1.15 - 0.3 * np.abs(yy))).astype(np.float32)


def _drum(rng: np.random.Generator, look: Look, h: int, w: int, d: float) -> np.ndarray:
    """A drum seen from the side: steel walls and rims, the liquid up to its level, air above."""
    out = np.full((h, w), 0.03, dtype=np.float32)
    level = int(h * rng.uniform(0.08, 0.3))
    out[level:] = d
    wall = d * (1 + look.wall)
    out[:, :3] = out[:, -3:] = wall
    out[:3] = out[-3:] = wall
    out[h // 3 : h // 3 + 2] += 0.5 * wall  # the rolling hoops
    out[2 * h // 3 : 2 * h // 3 + 2] += 0.5 * wall
    return out


def _ring(rng: np.random.Generator, look: Look, h: int, w: int, d: float) -> np.ndarray:
    """A disc standing on its edge with a hollow core: a tyre, a steel coil, a paper roll."""
    yy, xx = np.mgrid[:h, :w]
    r = np.hypot((yy - (h - 1) / 2) / (h / 2), (xx - (w - 1) / 2) / (w / 2))
    out = np.where((r <= 1) & (r >= look.hole), d, 0.0).astype(np.float32)
    out[(r <= 1) & (r >= 0.9)] *= 1 + look.wall  # the tread or the outer wrap
    return out


def _solid(rng: np.random.Generator, look: Look, h: int, w: int, d: float) -> np.ndarray:
    return np.full((h, w), d, dtype=np.float32)


def _casting(rng: np.random.Generator, look: Look, h: int, w: int, d: float) -> np.ndarray:
    """An engine block or a frame: an irregular dense body with corners cut away and voids inside."""
    out = np.full((h, w), d, dtype=np.float32)
    yy, xx = np.mgrid[:h, :w]
    for _ in range(int(rng.integers(1, 4))):  # corners cut away
        cy, cx = rng.choice([0, h]), rng.choice([0, w])
        out[np.hypot(yy - cy, xx - cx) < rng.uniform(0.2, 0.5) * min(h, w)] = 0
    for _ in range(int(rng.integers(1, 4))):  # voids inside the casting
        vh, vw = int(rng.integers(12, 30)), int(rng.integers(16, 40))
        y, x = int(rng.integers(0, max(h - vh, 1))), int(rng.integers(0, max(w - vw, 1)))
        out[y : y + vh, x : x + vw] = 0.1
    return out


def _car(rng: np.random.Generator, look: Look, h: int, w: int, d: float) -> np.ndarray:
    """A car in profile: a thin body shell with a denser outline, a cabin, two wheels and an engine."""
    out = np.zeros((h, w), dtype=np.float32)
    body = np.zeros((h, w), dtype=bool)
    wheel_r = int(h * 0.17)
    body[int(h * 0.35) : h - wheel_r, :] = True  # the lower body
    cabin = np.zeros_like(body)
    yy, xx = np.mgrid[:h, :w]
    top, slope = int(h * 0.05), 0.55
    cabin[(yy >= top) & (yy < int(h * 0.35))] = True
    cabin &= (xx > w * 0.22 + (int(h * 0.35) - yy) * slope) & (xx < w * 0.8 - (int(h * 0.35) - yy) * slope)
    body |= cabin
    edge = body & ~ndimage.binary_erosion(body, iterations=3)
    out[body] = d
    out[edge] = d * (1 + look.wall)
    front = int(rng.choice([0, 1]))
    ex0 = int(w * 0.04) if front == 0 else int(w * 0.76)
    out[int(h * 0.4) : h - wheel_r - 4, ex0 : ex0 + int(w * 0.2)] += 0.2  # the engine
    for cx in (int(w * 0.2), int(w * 0.8)):
        r = np.hypot(yy - (h - wheel_r - 1), xx - cx)
        out[r <= wheel_r] = 0.35
        out[r <= wheel_r * 0.45] = 0.55  # the hub and brake
    return out


STAMPS: dict[str, Stamp] = {
    "cartons": _box,
    "bales": _bale,
    "sacks": _sack,
    "drums": _drum,
    "rings": _ring,
    "planks": _solid,
    "bars": _solid,
    "castings": _casting,
    "cars": _car,
}


def _size(rng: np.random.Generator, span: tuple[int, int], scale: float) -> int:
    return max(4, int(rng.integers(span[0], span[1] + 1) * scale))


def draw(
    rng: np.random.Generator,
    image: np.ndarray,
    look: Look,
    x0: int,
    x1: int,
    *,
    height: float = 1.0,
    density: float = 1.0,
    size: float = 1.0,
) -> None:
    """Add a load of ``look`` to ``image`` between columns ``x0`` and ``x1``: its stack reaching its own
    height share times ``height``, its density and package size scaled by ``density`` and ``size``."""
    layer = np.zeros((FLOOR - ROOF, x1 - x0), dtype=np.float32)
    reach = int((FLOOR - ROOF) * min(rng.uniform(*look.height) * height, 1.0))
    d0 = rng.uniform(*look.density) * density
    if look.pattern == "bulk":
        slope = rng.uniform(-0.04, 0.04)
        xs = np.arange(x1 - x0)
        top = np.clip(FLOOR - ROOF - reach + (xs - xs.mean()) * slope, 0, FLOOR - ROOF - 8).astype(int)
        rows = np.arange(FLOOR - ROOF)[:, None]
        layer[rows >= top[None, :]] = d0
    else:
        _stack(rng, layer, look, reach, d0, size)
    if look.grain > 0:
        grain = ndimage.gaussian_filter(rng.normal(0, 1, layer.shape).astype(np.float32), look.grain_scale)
        grain /= grain.std() + 1e-6
        layer *= 1 + look.grain * grain
    if look.blur > 0:
        layer = ndimage.gaussian_filter(layer, look.blur)
    image[ROOF:FLOOR, x0:x1] += layer


def _stack(
    rng: np.random.Generator, layer: np.ndarray, look: Look, reach: int, d0: float, size: float
) -> None:
    """Packages in rows from the floor up to ``reach`` rows, each row left to right with the look's gap
    (every other row of sacks shifted half a sack, as they are laid)."""
    stamp = STAMPS[look.pattern]
    height, width = layer.shape
    floor, row = height, 0
    while True:
        h = min(_size(rng, look.unit[0], size), height)
        if row and height - (floor - h) > reach:
            break
        x = look.gap // 2 + (
            int(_size(rng, look.unit[1], size) // 2) if look.pattern == "sacks" and row % 2 else 0
        )
        while True:
            w = _size(rng, look.unit[1], size)
            if look.pattern == "rings":
                w = h
            dx = int(rng.uniform(0, look.jitter * max(look.gap, 6)))
            if x + dx + w > width:
                break
            lift = int(rng.uniform(0, look.jitter * 0.15 * h)) if row else 0
            y = max(floor - h - lift, 0)
            piece = stamp(rng, look, floor - lift - y, w, d0 * rng.uniform(0.95, 1.05))
            layer[y : y + piece.shape[0], x + dx : x + dx + w] += piece
            x += dx + w + look.gap
        floor -= h + (look.gap if look.pattern in ("drums", "rings", "cartons") else 0)
        row += 1
        if floor <= 0 or look.pattern in ("castings",):
            break
