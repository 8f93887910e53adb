"""Scanner images: generated X-ray-like container and truck scans (the loads of the cargo groups in
``cargo_groups.yaml``, mixed loads and partial fills, clutter and scanner noise by difficulty
(``scan_profiles.yaml``), concealed objects, controlled-goods silhouettes, empty boxes), anomaly regions,
and image-to-image comparison.

Scans are 1024 × 512 (attenuation 0–1, brighter is denser).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from imaging.cargo import DIFFICULTIES, GROUPS, Look, ScanProfile, cargo, profile
from imaging.cargo_looks import FLOOR, LEFT, RIGHT, ROOF, draw

VEHICLES = ("container", "truck")
H, W = 512, 1024


@dataclass
class Scan:
    image: np.ndarray
    groups: tuple[str, ...]  # the cargo groups in the load, the one filling more of its length first
    empty: bool
    concealed: bool
    region: tuple[int, int, int, int] | None  # y0, x0, y1, x1 of the concealed object
    controlled: bool = False
    vehicle: str = "container"
    spans: tuple[tuple[str, int, int], ...] = ()  # each group's stretch of the load space: group, x0, x1
    difficulty: str = "easy"
    partial: bool = False  # filled short of the doors or low

    @property
    def anomalous(self) -> bool:
        """What the concealment head answers: something dense hidden in the load (a block or a silhouette)."""
        return self.concealed or self.controlled

    @property
    def group(self) -> str | None:
        return self.groups[0] if self.groups else None


def _look(rng: np.random.Generator, group: str) -> Look:
    looks = cargo().groups[group].looks
    weights = np.array([look.weight for look in looks])
    return looks[int(rng.choice(len(looks), p=weights / weights.sum()))]


def _clutter(rng: np.random.Generator, image: np.ndarray, count: int) -> None:
    """Loose things in the box that are not the goods: straps, a pallet, a dunnage bag, a tool box."""
    for _ in range(count):
        kind = int(rng.integers(4))
        x = int(rng.integers(LEFT, RIGHT - 120))
        if kind == 0:  # a strap over the load
            image[ROOF:FLOOR, x : x + 2] += rng.uniform(0.05, 0.1)
        elif kind == 1:  # a pallet under the goods
            w = int(rng.integers(100, 130))
            image[FLOOR - 14 : FLOOR, x : x + w] += 0.1
            image[FLOOR - 14 : FLOOR, x : x + w : 30] += 0.08
        elif kind == 2:  # a dunnage bag between packages
            yy, xx = np.ogrid[:H, :W]
            cy, a, b = (
                int(rng.integers(ROOF + 40, FLOOR - 40)),
                int(rng.integers(20, 60)),
                int(rng.integers(12, 30)),
            )
            image[((yy - cy) / b) ** 2 + ((xx - x - a) / a) ** 2 <= 1] += rng.uniform(0.04, 0.08)
        else:  # a tool box or a loose part
            h, w, y = (
                int(rng.integers(8, 20)),
                int(rng.integers(10, 30)),
                int(rng.integers(ROOF + 20, FLOOR - 20)),
            )
            image[y : y + h, x : x + w] += rng.uniform(0.15, 0.3)


def _load(
    rng: np.random.Generator,
    image: np.ndarray,
    level: ScanProfile,
    group: str,
    second: str | None,
    fill: float,
    low: bool,
) -> tuple[tuple[str, int, int], ...]:
    """Draw the goods: ``group`` over the loaded length (``fill`` of it, from the front or from the doors),
    ``second`` over its minor share where there is one (overlapping in depth, as the profile says)."""
    length = int((RIGHT - LEFT) * fill)
    start = LEFT if rng.random() < 0.5 else RIGHT - length
    spans = [(group, start, start + length)]
    if second is not None:
        minor = max(int(length * rng.uniform(*level.minor)), 180)
        overlap = int(rng.uniform(60, 160)) if rng.random() < level.overlap else 0
        if rng.random() < 0.5:
            spans = [(group, start + minor - overlap, start + length), (second, start, start + minor)]
        else:
            spans = [
                (group, start, start + length - minor + overlap),
                (second, start + length - minor, start + length),
            ]
    height = rng.uniform(0.4, 0.65) if low else 1.0
    for g, x0, x1 in spans:
        density = float(np.clip(rng.normal(1, level.density_jitter), 0.6, 1.4))
        size = float(np.clip(rng.normal(1, level.size_jitter), 0.6, 1.4))
        draw(rng, image, _look(rng, g), x0, x1, height=height, density=density, size=size)
    return tuple(spans)


def _silhouette(rng: np.random.Generator, image: np.ndarray) -> tuple[int, int, int, int]:
    """A controlled-goods silhouette (a long gun: barrel, receiver and stock) of metal density."""
    y0, x0 = int(rng.integers(120, 380)), int(rng.integers(100, 750))
    length = int(rng.integers(150, 210))
    image[y0 : y0 + 6, x0 : x0 + length] += 0.5  # barrel
    image[y0 - 4 : y0 + 14, x0 + length - 50 : x0 + length] += 0.5  # receiver
    for k in range(40):  # stock, sloping down behind the receiver
        image[y0 + k // 3 : y0 + 14 + k // 2, x0 + length + k] += 0.45
    image[y0 + 14 : y0 + 34, x0 + length - 40 : x0 + length - 30] += 0.5  # grip
    return (y0 - 4, x0, y0 + 34, x0 + length + 40)


def generate_scan(
    rng: np.random.Generator,
    *,
    group: str | None = None,
    second: str | None = None,
    fill: float = 1.0,
    low: bool = False,
    empty: bool = False,
    concealed: bool = False,
    controlled: bool = False,
    vehicle: str = "container",
    difficulty: str = "easy",
    base: np.ndarray | None = None,
) -> Scan:
    """One scan: the box (and the truck's chassis), the load of ``group`` (drawn at random when None),
    with ``second`` over part of its length (a mixed load), filling ``fill`` of the length (``low``: not
    to its usual height); clutter and the scanner's noise as ``difficulty`` says; a concealed block and a
    controlled-goods silhouette when asked. ``base`` starts from another scan's image instead."""
    level = profile(difficulty)
    group = group or GROUPS[int(rng.integers(len(GROUPS)))]
    spans: tuple[tuple[str, int, int], ...] = ()
    if base is None:
        image = np.full((H, W), 0.05, dtype=np.float32)
        image[60:70, 40:990] = image[440:452, 40:990] = 0.9  # roof and floor of the container / truck box
        image[60:452, 40:48] = image[60:452, 982:990] = 0.9
        if vehicle == "truck":  # chassis beams, wheels and the cab's engine block
            image[458:470, 20:1010] = 0.8
            for x in (120, 220, 760, 860, 960):
                yy, xx = np.ogrid[:H, :W]
                image[(yy - 488) ** 2 + (xx - x) ** 2 < 22**2] = 0.7
            image[300:452, 992:1024] = 0.75
        if not empty:
            spans = _load(rng, image, level, group, second, fill, low)
        _clutter(rng, image, int(rng.integers(level.clutter[0], level.clutter[1] + 1)))
        if level.blur > 0:
            image = ndimage.gaussian_filter(image, level.blur)
        image *= 1 + rng.normal(0, level.gain) if level.gain else 1.0
        if level.stripes:
            image += rng.normal(0, level.stripes, (1, W)).astype(np.float32)
        image += rng.normal(0, level.noise, image.shape).astype(np.float32)
    else:
        image = base.copy()
    region = None
    if concealed:
        h, w = int(rng.integers(30, 70)), int(rng.integers(40, 110))
        y0, x0 = int(rng.integers(100, 420 - h)), int(rng.integers(80, 950 - w))
        image[y0 : y0 + h, x0 : x0 + w] += 0.45
        region = (y0, x0, y0 + h, x0 + w)
    if controlled:
        region = region or _silhouette(rng, image)
        if concealed:
            _silhouette(rng, image)
    ordered = sorted(spans, key=lambda s: s[1] - s[2])  # the longest stretch first
    groups = tuple(dict.fromkeys(g for g, _, _ in ordered))
    partial = not empty and (fill < 1 or low)
    return Scan(
        np.clip(image, 0, 1).astype(np.float32),
        groups,
        empty,
        concealed,
        region,
        controlled,
        vehicle,
        tuple(spans),
        level.name,
        partial,
    )


def dataset(n: int, seed: int, difficulty: str | None = "easy") -> list[Scan]:
    """A balanced generated set at ``difficulty`` (None: the three in turn): a fifth empty, half the loaded
    ones with a concealed block, one in six with a controlled-goods silhouette, a third trucks; every group
    in turn, with partial fills and mixed loads as the profile says."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        step = difficulty or DIFFICULTIES[i % len(DIFFICULTIES)]
        out.append(draw_scan(rng, i, step))
    return out


def draw_scan(rng: np.random.Generator, i: int, difficulty: str) -> Scan:
    """The ``i``-th scan of a generated set at ``difficulty`` (see ``dataset``)."""
    level = profile(difficulty)
    empty = i % 5 == 0
    group = GROUPS[(i - i // 5 - 1) % len(GROUPS)]  # every group in turn over the loaded scans
    second = None
    if not empty and rng.random() < level.mixed:
        second = GROUPS[(GROUPS.index(group) + int(rng.integers(1, len(GROUPS)))) % len(GROUPS)]
    partial = not empty and rng.random() < level.partial
    low = partial and rng.random() < 0.4
    fill = float(rng.uniform(*level.fill)) if partial and not low else 1.0
    return generate_scan(
        rng,
        group=group,
        second=second,
        fill=fill,
        low=low,
        empty=empty,
        concealed=(not empty and rng.random() < 0.5),
        controlled=(not empty and rng.random() < 1 / 6),
        vehicle=VEHICLES[int(i % 3 == 1)],
        difficulty=difficulty,
    )


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
