"""Scanner images: generated X-ray-like container and truck scans (cargo textures by category, concealed
objects, controlled-goods silhouettes, empty boxes), anomaly regions, and image-to-image comparison.

Scans are 1024 × 512 (attenuation 0–1, brighter is denser).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

CATEGORIES = ("machinery", "textiles", "foodstuffs", "electronics")  # cargo textures by HS chapter group
DENSITY = {"machinery": 0.6, "textiles": 0.22, "foodstuffs": 0.4, "electronics": 0.34}
VEHICLES = ("container", "truck")
H, W = 512, 1024


def category_of_hs(hs_code: str | None) -> str | None:
    """The cargo category a declared HS code should look like on a scan (None when no category applies)."""
    chapter = int(str(hs_code or "0")[:2] or 0)
    if chapter == 84 or 86 <= chapter <= 89:
        return "machinery"
    if chapter in (85, 90):
        return "electronics"
    if 50 <= chapter <= 63:
        return "textiles"
    if 1 <= chapter <= 24:
        return "foodstuffs"
    return None


@dataclass
class Scan:
    image: np.ndarray
    category: int
    empty: bool
    concealed: bool
    region: tuple[int, int, int, int] | None  # y0, x0, y1, x1 of the concealed object
    controlled: bool = False
    vehicle: str = "container"

    @property
    def anomalous(self) -> bool:
        """What the concealment head answers: something dense hidden in the load (a block or a silhouette)."""
        return self.concealed or self.controlled


def _cargo(rng: np.random.Generator, image: np.ndarray, category: str) -> None:
    """Each category has its own look: engines and frames, soft bales, bulk with a fill line, small cartons."""
    density = DENSITY[category]
    if category == "machinery":  # a few large irregular dense blocks with voids
        for x in range(60, 930, 180):
            w, h = int(rng.integers(110, 160)), int(rng.integers(200, 330))
            block = ndimage.gaussian_filter(rng.normal(density, 0.12, (h, w)), 3).astype(np.float32)
            block[h // 3 : h // 3 + 20, w // 4 : w // 4 + 30] = 0.1  # a void inside the casting
            image[444 - h : 444, x : x + w] = block
    elif category == "textiles":  # soft-edged bales in three rows
        for y in range(80, 440, 122):
            for x in range(60, 960, 150):
                bale = np.zeros((110, 140), dtype=np.float32)
                bale[8:-8, 8:-8] = density * rng.uniform(0.9, 1.1)
                image[y : y + 110, x : x + 140] = ndimage.gaussian_filter(bale, 5)
    elif category == "foodstuffs":  # bulk up to a fill line, smooth
        top = int(rng.integers(140, 220))
        fill = ndimage.gaussian_filter(rng.normal(density, 0.06, (445 - top, 930)), 8).astype(np.float32)
        image[top:445, 50:980] = fill
    else:  # electronics: many small cartons with dense components inside
        for y in range(80, 430, 44):
            for x in range(60, 960, 52):
                image[y + 3 : y + 40, x + 3 : x + 48] = density * rng.uniform(0.85, 1.15)
                image[y + 15 : y + 22, x + 12 : x + 20] = 0.62


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
    category: int | None = None,
    empty: bool = False,
    concealed: bool = False,
    controlled: bool = False,
    vehicle: str = "container",
    base: np.ndarray | None = None,
) -> Scan:
    cat = int(rng.integers(len(CATEGORIES))) if category is None else category
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
            _cargo(rng, image, CATEGORIES[cat])
        image += rng.normal(0, 0.02, image.shape).astype(np.float32)
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
    return Scan(np.clip(image, 0, 1), cat, empty, concealed, region, controlled, vehicle)


def dataset(n: int, seed: int) -> list[Scan]:
    """A balanced generated set: a fifth empty, half the loaded ones with a concealed block, one in six with
    a controlled-goods silhouette, a third trucks."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        empty = i % 5 == 0
        out.append(
            generate_scan(
                rng,
                empty=empty,
                concealed=(not empty and rng.random() < 0.5),
                controlled=(not empty and rng.random() < 1 / 6),
                vehicle=VEHICLES[int(i % 3 == 1)],
            )
        )
    return out


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
