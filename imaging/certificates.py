"""Certificates read: OCR (PP-OCRv4 through rapidocr-onnxruntime), the page straightened first, its type
and key fields found by their printed labels, cross-checked against the declaration.

Every type, its layout and its fields are data (``certificate_types.yaml``, ``imaging/certificate_kinds.py``);
generated pages for tests and benchmarks are in ``imaging/certificate_pages.py``. OCR often drops spaces
("PHYTOSANITARYCERTIFICATE"), so labels and values are matched on text with the spaces removed, and
names are compared the same way. A field's value is the text after its label (Chinese, English or both,
then a colon) up to the next label on the row, so one reader serves one-field rows, two-field forms and
letters.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from imaging.certificate_kinds import catalogue
from tianji.core.settings import get_settings

FIELDS = tuple(catalogue().fields)  # every field any type carries
CORE = tuple(f for f in FIELDS if all(f in t.fields for t in catalogue().types.values()))


class CertificateError(ValueError):
    """An image that cannot be read as a certificate, and why."""


@lru_cache(maxsize=1)
def engine() -> Any:
    """The OCR engine, a callable image -> (result, elapsed) in RapidOCR's format. PP-OCRv4 (ONNX, through
    rapidocr) tuned for 2 cores by default: smaller detection side, no angle classifier (pages are upright
    or corrected before OCR), two threads. ``TIANJI_OCR_ENGINE=paddleocr`` uses PaddleOCR itself, with its
    models from ``TIANJI_PADDLEOCR_MODELS`` (nothing is downloaded)."""
    settings = get_settings()
    return _engine(settings.ocr_engine, str(settings.paddleocr_models or ""))


@lru_cache(maxsize=2)
def _engine(name: str, models: str) -> Any:
    if name == "paddleocr":
        return _paddle(models)
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(det_limit_side_len=640, use_cls=False, intra_op_num_threads=2, inter_op_num_threads=1)


def _paddle(models: str) -> Any:
    folder = Path(models) if models else None
    needed = ("det", "rec")
    if folder is None or not all((folder / part).is_dir() for part in needed):
        raise CertificateError(
            "TIANJI_OCR_ENGINE=paddleocr needs PP-OCRv4 inference models in TIANJI_PADDLEOCR_MODELS "
            f"(folders det/ and rec/); found none at {folder}"
        )
    try:
        from paddleocr import PaddleOCR
    except ImportError:
        raise CertificateError(
            "TIANJI_OCR_ENGINE=paddleocr but the paddleocr package is not installed"
        ) from None
    reader = PaddleOCR(
        det_model_dir=str(folder / "det"),
        rec_model_dir=str(folder / "rec"),
        use_angle_cls=False,
        show_log=False,
    )

    def run(image: np.ndarray) -> tuple[list[Any], float]:
        pages = reader.ocr(image, cls=False) or [[]]
        return [[box, text, score] for box, (text, score) in (pages[0] or [])], 0.0

    return run


MIN_SIDE = 16  # px: a thinner image cannot be resized for text detection
MAX_ASPECT = 50


def load_image(data: bytes) -> Image.Image:
    if not data:
        raise CertificateError("empty file")
    if data[:4] == b"%PDF":
        raise CertificateError("a PDF: render its pages to images first (no text layer is read)")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, Image.DecompressionBombError) as exc:
        raise CertificateError(f"not a readable image: {exc}") from None
    if max(image.size) > 8000:
        raise CertificateError(f"image too large ({image.width}×{image.height}); the limit is 8000 px a side")
    if min(image.size) < MIN_SIDE or max(image.size) > MAX_ASPECT * min(image.size):
        raise CertificateError(
            f"image of {image.width}×{image.height} px is not a page: each side needs at least {MIN_SIDE} px "
            f"and the long side at most {MAX_ASPECT} times the short one"
        )
    return image.convert("RGB")


def ocr(image: Image.Image) -> list[tuple[str, float, float]]:
    """(text, confidence, y) rows, top to bottom: boxes on the same row joined left to right."""
    result, _ = engine()(np.asarray(image))
    boxes = sorted(
        (
            (float(np.mean([p[1] for p in box])), float(box[0][0]), text, float(score))
            for box, text, score in (result or [])
        )
    )
    rows: list[list[tuple[float, float, str, float]]] = []
    for box in boxes:
        if rows and abs(rows[-1][0][0] - box[0]) < 18:
            rows[-1].append(box)
        else:
            rows.append([box])
    out = []
    for row in rows:
        row.sort(key=lambda b: b[1])
        out.append((" ".join(b[2] for b in row), min(b[3] for b in row), row[0][0]))
    return out


def _skew(gray: np.ndarray) -> float:
    """The page's turn in degrees, from the projection profile: text rows are sharpest when level."""
    small = Image.fromarray(((gray < 128) * 255).astype(np.uint8))
    best, angle = -1.0, 0.0
    for candidate in np.arange(-8.0, 8.25, 0.5):
        rows = np.asarray(small.rotate(float(candidate), resample=Image.Resampling.NEAREST)).sum(axis=1)
        sharpness = float(np.square(np.diff(rows.astype(np.float64))).sum())
        if sharpness > best:
            best, angle = sharpness, float(candidate)
    return angle


#: after the light is flattened paper reads 255 and red ink about 210: anything this light is paper
PAPER = 180


def _flattened(channel: Image.Image) -> np.ndarray:
    """The channel divided by its local paper level (the lightest value around each point, over about 56 px,
    smoothed), times 255: uneven light (a phone photograph lit from one side) no longer shifts what reads
    as paper from one side of the page to the other."""
    w, h = channel.size
    small = channel.resize((max(1, w // 8), max(1, h // 8)), Image.Resampling.BILINEAR)
    paper = small.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(2))
    level = np.asarray(paper.resize(channel.size, Image.Resampling.BILINEAR), dtype=np.float32)
    return np.asarray(channel, dtype=np.float32) / np.maximum(level, 1.0) * 255.0


def straighten(image: Image.Image) -> Image.Image:
    """What a reader does before reading a photograph: red stamp ink lifted (the page read through its
    red channel, where red ink is nearly as light as paper and black text stays dark), the light
    flattened against the paper around each point, the page turned level."""
    red = _flattened(image.convert("RGB").getchannel("R"))
    page = Image.fromarray(np.clip(red * 255.0 / PAPER, 0, 255).astype(np.uint8)).convert("RGB")
    angle = _skew(np.asarray(page.convert("L").resize((max(1, page.width // 3), max(1, page.height // 3)))))
    if not angle:
        return page
    return page.rotate(angle, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)


def _kind(lines: list[tuple[str, float, float]]) -> str | None:
    return catalogue().kind_of_title("".join(t for t, _, _ in lines).upper().replace(" ", ""))


def _upright(image: Image.Image) -> tuple[Image.Image, list[tuple[str, float, float]]]:
    """The page and its lines, turned 180° when the title cannot be found (upside down it reads as garbage)."""
    lines = ocr(image)
    if _kind(lines) is not None:
        return image, lines
    turned = image.rotate(180)
    again = ocr(turned)
    return (turned, again) if _kind(again) is not None else (image, lines)


def read(image: Image.Image) -> tuple[Image.Image, Extraction]:
    """The page straightened, turned upright and read (one OCR pass unless it was upside down): the
    image read and what it says."""
    page, lines = _upright(straighten(image))
    return page, extract(lines)


@cache
def _labels() -> re.Pattern[str]:
    """One pattern for every field's label: Chinese, English or both, then a colon (spaces removed)."""
    parts = []
    for name, spec in catalogue().fields.items():
        zh = re.escape(spec.zh)
        en = re.escape(re.sub(r"\s+", "", spec.en)).replace(r"\.", r"\.?")
        parts.append((len(spec.zh) + len(spec.en), f"(?P<{name}>{zh}(?:{en})?|{en})[:：;；]"))
    parts.sort(key=lambda p: -p[0])
    return re.compile("|".join(p for _, p in parts), flags=re.IGNORECASE)


@dataclass
class Extraction:
    kind: str | None
    fields: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)

    @property
    def expected(self) -> tuple[str, ...]:
        """The fields the page's type carries (the core when the type is unknown)."""
        return catalogue().types[self.kind].fields if self.kind else CORE

    @property
    def low_confidence(self) -> list[str]:
        return [f for f in self.expected if self.confidence.get(f, 0.0) < 0.8]


def extract(lines: list[tuple[str, float, float]]) -> Extraction:
    """The page's type (by its title) and every labelled field on it, with the OCR's confidence."""
    out = Extraction(_kind(lines))
    specs = catalogue().fields
    for text, score, _ in lines:
        row = text.replace(" ", "")
        found = list(_labels().finditer(row))
        for i, match in enumerate(found):
            name = match.lastgroup
            if not name or name in out.fields:
                continue
            end = found[i + 1].start() if i + 1 < len(found) else len(row)
            value = row[match.end() : end].strip(":：;；,，.。")
            pattern = specs[name].pattern
            if pattern:
                shaped = re.search(pattern, value.upper())
                if not shaped:
                    continue
                value = specs[name].repaired(shaped.group(1))
            if value:
                out.fields[name] = value.upper() if pattern else value
                out.confidence[name] = score
    return out


def compact_upper(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).upper()


def cross_check(fields: dict[str, str], declaration: dict[str, Any]) -> list[str]:
    """Mismatches between the certificate and its declaration: consignee, goods, quantity, origin, validity."""
    flags = []
    if declaration.get("consignee") and compact_upper(fields.get("consignee", "")) != compact_upper(
        declaration["consignee"]
    ):
        flags.append("consignee")
    if declaration.get("hs_code") and fields.get("hs_code", "")[:4] != str(declaration["hs_code"])[:4]:
        flags.append("goods")
    if declaration.get("origin") and compact_upper(fields.get("origin", "")) != compact_upper(
        declaration["origin"]
    ):
        flags.append("origin")
    if declaration.get("quantity"):
        number = re.sub(r"[^\d.]", "", fields.get("quantity", ""))
        if not number or abs(float(number) - float(declaration["quantity"])) > 0.01 * float(
            declaration["quantity"]
        ):
            flags.append("quantity")
    date = declaration.get("date")
    if date and not (fields.get("issue_date", "9999") <= date <= fields.get("expiry_date", "0000")):
        flags.append("validity")
    return flags


def accuracy(extracted: dict[str, str], truth: dict[str, str]) -> dict[str, bool]:
    """Per field of the page (its type's fields), whether it was read right."""
    return {f: compact_upper(extracted.get(f, "")) == compact_upper(truth[f]) for f in truth}
