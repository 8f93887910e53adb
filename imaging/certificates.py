"""Certificates: generated test pages, OCR (PP-OCRv4 through rapidocr-onnxruntime), type and key fields,
cross-check against the declaration, and Certificate nodes with confidences and mismatch flags.

OCR often drops spaces ("PHYTOSANITARYCERTIFICATE"), so labels and values are matched on text with the
spaces removed, and names are compared the same way.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tianji.core.settings import get_settings

FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/wqy", "/usr/share/fonts")

TYPES = {
    "phytosanitary": ("植物检疫证书", "PHYTOSANITARY CERTIFICATE", "PC"),
    "veterinary": ("兽医卫生证书", "VETERINARY HEALTH CERTIFICATE", "VH"),
    "origin": ("原产地证书", "CERTIFICATE OF ORIGIN", "CO"),
    "quality": ("质量检验证书", "QUALITY INSPECTION CERTIFICATE", "QI"),
    "fumigation": ("熏蒸证书", "FUMIGATION CERTIFICATE", "FU"),
    "health": ("卫生证书", "HEALTH CERTIFICATE", "HC"),
    "free_sale": ("自由销售证书", "FREE SALE CERTIFICATE", "FS"),
    "conformity": ("符合性证书", "CERTIFICATE OF CONFORMITY", "CC"),
}
FIELDS = (
    "number",
    "issuer",
    "country",
    "exporter",
    "consignee",
    "goods",
    "hs_code",
    "quantity",
    "origin",
    "issue_date",
    "expiry_date",
)
LABELS = {
    "number": ("证书编号", "Certificate No."),
    "issuer": ("签发机构", "Issued by"),
    "country": ("签发国家", "Country"),
    "exporter": ("出口商", "Exporter"),
    "consignee": ("收货人", "Consignee"),
    "goods": ("货物", "Goods"),
    "hs_code": ("商品编码", "HS Code"),
    "quantity": ("数量", "Quantity"),
    "origin": ("原产国", "Origin"),
    "issue_date": ("签发日期", "Date of issue"),
    "expiry_date": ("有效期至", "Valid until"),
}


class CertificateError(ValueError):
    """An image that cannot be read as a certificate, and why."""


@lru_cache(maxsize=4)
def font(size: int) -> ImageFont.FreeTypeFont:
    for folder in FONT_DIRS:
        for path in sorted(Path(folder).rglob("*.tt[cf]")):
            if "CJK" in path.name or "wqy" in path.name.lower():
                return ImageFont.truetype(str(path), size)
    raise CertificateError("no CJK font found: install fonts-noto-cjk or fonts-wqy-zenhei (make test does)")


@dataclass
class GeneratedCertificate:
    kind: str
    fields: dict[str, str]
    image: Image.Image


def sample_fields(rng: random.Random, kind: str, declaration: dict[str, Any] | None = None) -> dict[str, str]:
    d = declaration or {}
    year = rng.choice([2024, 2025])
    issue = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    expiry = f"{year + 1}-{issue[5:7]}-{issue[8:10]}"
    country = d.get("origin") or rng.choice(["VN", "TH", "DE", "US", "AU", "BR", "FR", "JP"])
    return {
        "number": f"{TYPES[kind][2]}-{year}-{rng.randint(10000, 99999)}",
        "issuer": rng.choice(["NPPO", "MAFF", "USDA", "DAFF", "ACIA", "BVL"]) + " " + country,
        "country": country,
        "exporter": d.get("exporter")
        or rng.choice(["GOLDEN STAR TRADING", "ORIENT FOODS", "ATLAS MACHINERY"]),
        "consignee": d.get("consignee") or rng.choice(["广州华盛贸易有限公司", "深圳鑫源进出口有限公司"]),
        "goods": d.get("goods") or rng.choice(["frozen fish", "citrus fruit", "computers", "wine"]),
        "hs_code": d.get("hs_code") or rng.choice(["03038900", "08051000", "84713000", "22042100"]),
        "quantity": f"{d.get('quantity') or rng.randint(100, 20000)} KG",
        "origin": country,
        "issue_date": issue,
        "expiry_date": expiry,
    }


def render(kind: str, fields: dict[str, str], rng: random.Random, *, noisy: bool = False) -> Image.Image:
    """An A5-like page (1000 × 1400 px): bilingual title, a table of fields, a red stamp; noise when asked."""
    page = Image.new("RGB", (1000, 1400), "white")
    draw = ImageDraw.Draw(page)
    zh, en, _ = TYPES[kind]
    draw.text((80, 60), zh, font=font(48), fill="black")
    draw.text((80, 130), en, font=font(36), fill="black")
    y = 240
    for name in FIELDS:
        label_zh, label_en = LABELS[name]
        draw.line((60, y - 12, 940, y - 12), fill=(170, 170, 170), width=2)
        draw.text((80, y), f"{label_zh} {label_en}:", font=font(26), fill="black")
        draw.text((450, y), fields[name], font=font(28), fill="black")
        y += 90
    cx, cy = 780, 1250
    draw.ellipse((cx - 90, cy - 90, cx + 90, cy + 90), outline=(200, 30, 30), width=6)
    draw.text((cx - 60, cy - 15), "OFFICIAL", font=font(24), fill=(200, 30, 30))
    if noisy:
        page = page.rotate(rng.uniform(-3, 3), expand=True, fillcolor="white")
        page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
        array = np.asarray(page).astype(np.int16)
        array += np.random.default_rng(rng.randint(0, 1 << 30)).integers(-25, 25, array.shape, dtype=np.int16)
        page = Image.fromarray(array.clip(0, 255).astype(np.uint8))
        scale = rng.uniform(0.7, 0.9)
        page = page.resize((int(page.width * scale), int(page.height * scale)))
    return page


def generate(n: int, seed: int = 3, noisy_share: float = 0.5) -> list[GeneratedCertificate]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = list(TYPES)[i % len(TYPES)]
        fields = sample_fields(rng, kind)
        out.append(
            GeneratedCertificate(kind, fields, render(kind, fields, rng, noisy=rng.random() < noisy_share))
        )
    return out


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


def upright(image: Image.Image) -> Image.Image:
    """An upside-down page reads as garbage: try 180° when the title cannot be found."""
    lines = ocr(image)
    text = "".join(t for t, _, _ in lines).upper().replace(" ", "")
    if any(en.replace(" ", "") in text for _, en, _ in TYPES.values()):
        return image
    turned = image.rotate(180)
    text2 = "".join(t for t, _, _ in ocr(turned)).upper().replace(" ", "")
    return turned if any(en.replace(" ", "") in text2 for _, en, _ in TYPES.values()) else image


PATTERNS = {
    "number": r"([A-Z]{2}-\d{4}-\d{5})",
    "hs_code": r"(?:HSCode|商品编码)[:：]?(\d{8,10})",
    "quantity": r"(?:Quantity|数量)[:：]?([\d,\.]+(?:KG|PCS|L))",
    "issue_date": r"(?:Dateofissue|签发日期)[:：]?(\d{4}-\d{2}-\d{2})",
    "expiry_date": r"(?:Validuntil|有效期至)[:：]?(\d{4}-\d{2}-\d{2})",
}


@dataclass
class Extraction:
    kind: str | None
    fields: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)

    @property
    def low_confidence(self) -> list[str]:
        return [f for f in FIELDS if self.confidence.get(f, 0.0) < 0.8]


def extract(lines: list[tuple[str, float, float]]) -> Extraction:
    compact = [(t.replace(" ", ""), s) for t, s, _ in lines]
    whole = "".join(t for t, _ in compact)
    upper = whole.upper()
    kind = next((k for k, (_, en, _) in TYPES.items() if en.replace(" ", "") in upper), None)
    out = Extraction(kind)
    for name, pattern in PATTERNS.items():
        match = re.search(pattern, whole, flags=re.IGNORECASE)
        if match:
            out.fields[name] = match.group(1).upper()
            out.confidence[name] = max((s for t, s in compact if match.group(1) in t), default=0.5)
    for name in ("issuer", "country", "exporter", "consignee", "goods", "origin"):
        label_zh, label_en = LABELS[name]
        for text, score in compact:
            if text.startswith(label_zh) and re.search(r"[:：]", text):
                out.fields[name] = re.split(r"[:：]", text, maxsplit=1)[1].strip()
                out.confidence[name] = score
                break
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
    return {f: compact_upper(extracted.get(f, "")) == compact_upper(truth[f]) for f in FIELDS}
