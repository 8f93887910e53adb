"""Generated certificate pages with known fields, for tests, benchmarks and the demo: every type of
``certificate_types.yaml`` in its layout, and the difficulty of the photograph.

- ``easy``: a clean scan.
- ``medium``: a slightly turned, blurred, grainy and downscaled scan.
- ``hard``: a phone photograph: turned up to 6°, taken at an angle (keystone), in low and uneven light,
  a red stamp pressed over a field's text, JPEG artefacts.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from imaging.certificate_kinds import catalogue

FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/wqy", "/usr/share/fonts")
DIFFICULTIES = ("easy", "medium", "hard")
W, H = 1000, 1400


class FontMissing(RuntimeError):
    """No CJK font on the machine."""


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont:
    """The page's font: a CJK face with the glyph forms of Simplified Chinese, as Chinese papers are printed
    (a collection's first face is often the Japanese one, whose 门 an OCR model trained on Chinese reads as
    内)."""
    for folder in FONT_DIRS:
        for path in sorted(Path(folder).rglob("*.tt[cf]")):
            if "CJK" in path.name or "wqy" in path.name.lower():
                return ImageFont.truetype(str(path), size, index=_simplified_face(path))
    raise FontMissing("no CJK font found: install fonts-noto-cjk or fonts-wqy-zenhei (make test does)")


@lru_cache(maxsize=8)
def _simplified_face(path: Path) -> int:
    """The index of the collection's Simplified Chinese face (its family name ends in SC), else 0."""
    for index in range(16 if path.suffix == ".ttc" else 1):
        try:
            family = ImageFont.truetype(str(path), 12, index=index).getname()[0] or ""
        except OSError:
            break
        if family.endswith(" SC"):
            return index
    return 0


@dataclass
class GeneratedCertificate:
    kind: str
    fields: dict[str, str]
    image: Image.Image


def sample_fields(rng: random.Random, kind: str, declaration: dict[str, Any] | None = None) -> dict[str, str]:
    """The type's key fields, from the declaration's facts where given, else sampled."""
    cat = catalogue()
    spec, samples, d = cat.types[kind], cat.samples, declaration or {}
    year = rng.choice([2024, 2025])
    issue = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    country = d.get("origin") or rng.choice(samples["country"])
    values = {
        "number": f"{spec.prefix}-{year}-{rng.randint(10000, 99999)}",
        "issuer": rng.choice(samples["issuer"]) + " " + country,
        "country": country,
        "exporter": d.get("exporter") or rng.choice(samples["exporter"]),
        "consignee": d.get("consignee") or rng.choice(samples["consignee"]),
        "goods": d.get("goods") or rng.choice(samples["goods"]),
        "hs_code": d.get("hs_code") or rng.choice(samples["hs_code"]),
        "quantity": f"{d.get('quantity') or rng.randint(100, 20000)} KG",
        "origin": country,
        "issue_date": issue,
        "expiry_date": f"{year + 1}-{issue[5:7]}-{issue[8:10]}",
    }
    for name in spec.fields:
        if name not in values:
            values[name] = rng.choice(samples[name])
    return {name: values[name] for name in spec.fields}


def _table(draw: ImageDraw.ImageDraw, fields: dict[str, str]) -> list[tuple[int, int]]:
    """One bilingual label and its value per row; returns where each value was written."""
    labels = catalogue().fields
    pitch = min(90, (H - 360) // len(fields))
    y, spots = 240, []
    for name, value in fields.items():
        draw.line((60, y - 12, 940, y - 12), fill=(170, 170, 170), width=2)
        draw.text((80, y), f"{labels[name].zh} {labels[name].en}:", font=font(26), fill="black")
        draw.text((450, y), value, font=font(28), fill="black")
        spots.append((450, y))
        y += pitch
    return spots


def _form(draw: ImageDraw.ImageDraw, fields: dict[str, str]) -> list[tuple[int, int]]:
    """Boxes two to a row, Chinese labels."""
    labels = catalogue().fields
    spots = []
    for i, (name, value) in enumerate(fields.items()):
        x, y = 60 + (i % 2) * 450, 250 + (i // 2) * 150
        draw.rectangle((x, y, x + 430, y + 120), outline=(120, 120, 120), width=2)
        draw.text((x + 14, y + 42), f"{labels[name].zh}: {value}", font=font(25), fill="black")
        spots.append((x + 120, y + 42))
    return spots


def _letter(draw: ImageDraw.ImageDraw, fields: dict[str, str]) -> list[tuple[int, int]]:
    """A letter: a line of prose, English labels, a closing line."""
    labels = catalogue().fields
    draw.text(
        (80, 220), "This is to certify that the consignment described below", font=font(24), fill="black"
    )
    pitch = min(80, (H - 440) // len(fields))
    y, spots = 300, []
    for name, value in fields.items():
        draw.text((100, y), f"{labels[name].en}: {value}", font=font(27), fill="black")
        spots.append((330, y))
        y += pitch
    draw.text((80, y + 20), "Authorised officer", font=font(24), fill=(60, 60, 60))
    return spots


LAYOUT = {"table": _table, "form": _form, "letter": _letter}


def _stamp(page: Image.Image, centre: tuple[int, int]) -> Image.Image:
    """A red, half-transparent official stamp."""
    layer = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    cx, cy = centre
    draw.ellipse((cx - 90, cy - 90, cx + 90, cy + 90), outline=(200, 30, 30, 200), width=6)
    draw.text((cx - 60, cy - 15), "OFFICIAL", font=font(24), fill=(200, 30, 30, 200))
    return Image.alpha_composite(page.convert("RGBA"), layer).convert("RGB")


def _photograph(page: Image.Image, rng: random.Random) -> Image.Image:
    """Turned, at an angle, in low uneven light, with JPEG artefacts."""
    page = page.rotate(rng.uniform(-6, 6), expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    w, h = page.size
    d = [rng.uniform(0, 0.03) for _ in range(4)]
    quad = (d[0] * w, d[1] * h, d[2] * w, h - d[1] * h, w - d[3] * w, h - d[2] * h, w - d[0] * w, d[3] * h)
    page = page.transform(
        (w, h), Image.Transform.QUAD, quad, resample=Image.Resampling.BICUBIC, fillcolor="white"
    )
    light = rng.uniform(0.55, 0.8)
    shade = np.linspace(1.0, rng.uniform(0.7, 0.9), w)[None, :, None]
    array = np.asarray(page).astype(np.float32) * light * shade + rng.uniform(0, 25)
    array += np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 8, array.shape)
    page = Image.fromarray(array.clip(0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0))
    )
    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=rng.randint(40, 65))
    page = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    scale = rng.uniform(0.8, 0.9)
    return page.resize((int(w * scale), int(h * scale)))


def _scanned(page: Image.Image, rng: random.Random) -> Image.Image:
    page = page.rotate(rng.uniform(-3, 3), expand=True, fillcolor="white")
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    array = np.asarray(page).astype(np.int16)
    array += np.random.default_rng(rng.randint(0, 1 << 30)).integers(-25, 25, array.shape, dtype=np.int16)
    page = Image.fromarray(array.clip(0, 255).astype(np.uint8))
    scale = rng.uniform(0.7, 0.9)
    return page.resize((int(page.width * scale), int(page.height * scale)))


def render(kind: str, fields: dict[str, str], rng: random.Random, *, difficulty: str = "easy") -> Image.Image:
    """A page of ``kind`` in its layout holding ``fields``, photographed at ``difficulty``."""
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {difficulty!r}: choose one of {', '.join(DIFFICULTIES)}")
    spec = catalogue().types[kind]
    page = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(page)
    draw.text((80, 60), spec.zh, font=font(44), fill="black")
    draw.text((80, 130), spec.en, font=font(32 if len(spec.en) < 40 else 26), fill="black")
    spots = LAYOUT[spec.layout](draw, fields)
    if difficulty == "hard":  # the stamp pressed over a field's text
        x, y = rng.choice(spots[1:])
        page = _stamp(page, (x + rng.randint(40, 160), y + 15))
    else:
        page = _stamp(page, (780, 1260))
    if difficulty == "medium":
        page = _scanned(page, rng)
    elif difficulty == "hard":
        page = _photograph(page, rng)
    return page


def generate(
    n: int, seed: int = 3, difficulty: str = "easy", kinds: list[str] | None = None
) -> list[GeneratedCertificate]:
    """``n`` pages cycling through ``kinds`` (every type by default)."""
    rng = random.Random(seed)
    order = kinds or list(catalogue().types)
    out = []
    for i in range(n):
        kind = order[i % len(order)]
        fields = sample_fields(rng, kind)
        out.append(GeneratedCertificate(kind, fields, render(kind, fields, rng, difficulty=difficulty)))
    return out
