"""Trade documents attached to declarations: commercial invoices, packing lists and contracts.

Generated pages carry a seller (the overseas party), a buyer (the domestic consignee), their addresses and
phones, goods lines and totals. Reading a page: OCR (the certificates' PP-OCRv4 engine) → document type →
the parties as read (name, address, phone per role) → each party resolved against the graph (see
``imaging.service.read_document``), so the document MENTIONS the subjects it names.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from imaging.certificate_pages import font

KINDS = {
    "invoice": ("商业发票", "COMMERCIAL INVOICE", "INV"),
    "packing_list": ("装箱单", "PACKING LIST", "PL"),
    "contract": ("销售合同", "SALES CONTRACT", "SC"),
}
ROLES = {"seller": ("卖方", "Seller"), "buyer": ("买方", "Buyer")}
PARTS = {"name": ("名称", "Name"), "address": ("地址", "Address"), "phone": ("电话", "Tel")}


def sample_fields(rng: random.Random, kind: str, facts: dict[str, Any]) -> dict[str, str]:
    """A document's fields from what the declaration says (seller and buyer, their addresses and phones)."""
    return {
        "number": f"{KINDS[kind][2]}-{rng.randint(2024, 2025)}-{rng.randint(10000, 99999)}",
        "date": facts.get("date") or "2025-06-01",
        "seller_name": facts.get("exporter") or "GOLDEN STAR TRADING CO., LTD.",
        "seller_address": facts.get("exporter_address") or f"{rng.randint(1, 300)} HARBOUR ROAD, HAIPHONG",
        "seller_phone": f"+84-{rng.randint(200, 999)}-{rng.randint(1000000, 9999999)}",
        "buyer_name": facts.get("consignee") or "广州华盛贸易有限公司",
        "buyer_address": facts.get("consignee_address") or "广州市天河区体育西路1号",
        "buyer_phone": facts.get("consignee_phone")
        or f"1{rng.randint(3, 8)}{rng.randint(100000000, 999999999)}",
        "goods": facts.get("goods") or "computers",
        "quantity": str(facts.get("quantity") or rng.randint(10, 5000)),
        "total": f"USD {float(facts.get('value_usd') or rng.randint(1000, 90000)):,.2f}",
    }


def render(kind: str, fields: dict[str, str], rng: random.Random, *, noisy: bool = False) -> Image.Image:
    """An A4-like page (1000 × 1400 px): title, number and date, a box per party, goods lines, a signature."""
    page = Image.new("RGB", (1000, 1400), "white")
    draw = ImageDraw.Draw(page)
    zh, en, _ = KINDS[kind]
    draw.text((80, 60), f"{zh} {en}", font=font(40), fill="black")
    draw.text((80, 140), f"编号 No.: {fields['number']}", font=font(26), fill="black")
    draw.text((560, 140), f"日期 Date: {fields['date']}", font=font(26), fill="black")
    y = 230
    for role, (role_zh, role_en) in ROLES.items():
        draw.rectangle((60, y - 15, 940, y + 250), outline=(150, 150, 150), width=2)
        draw.text((80, y), f"{role_zh} {role_en}", font=font(28), fill="black")
        for offset, (part, (part_zh, part_en)) in enumerate(PARTS.items(), start=1):
            draw.text(
                (80, y + 60 * offset),
                f"{part_zh} {part_en}: {fields[f'{role}_{part}']}",
                font=font(26),
                fill="black",
            )
        y += 300
    draw.text((80, y + 10), f"货物 Goods: {fields['goods']}", font=font(26), fill="black")
    draw.text((80, y + 70), f"数量 Quantity: {fields['quantity']}", font=font(26), fill="black")
    draw.text((80, y + 130), f"总额 Total: {fields['total']}", font=font(26), fill="black")
    draw.line((600, 1300, 900, 1300), fill="black", width=2)
    draw.text((640, 1310), "Authorised signature", font=font(20), fill="black")
    if noisy:
        page = page.rotate(rng.uniform(-2, 2), expand=True, fillcolor="white")
        page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
        array = np.asarray(page).astype(np.int16)
        array += np.random.default_rng(rng.randint(0, 1 << 30)).integers(-20, 20, array.shape, dtype=np.int16)
        page = Image.fromarray(array.clip(0, 255).astype(np.uint8))
    return page


@dataclass
class DocumentRead:
    kind: str | None
    fields: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)

    def party(self, role: str) -> dict[str, str]:
        return {part: self.fields[f"{role}_{part}"] for part in PARTS if self.fields.get(f"{role}_{part}")}


def extract(lines: list[tuple[str, float, float]]) -> DocumentRead:
    """Type, number, date and each party's name, address and phone from OCR rows (top to bottom)."""
    upper = "".join(t for t, _, _ in lines).upper().replace(" ", "")
    kind = next((k for k, (zh, en, _) in KINDS.items() if en.replace(" ", "") in upper or zh in upper), None)
    out = DocumentRead(kind)
    role = None
    for text, score, _ in lines:
        compact = text.replace(" ", "")
        for name, (role_zh, role_en) in ROLES.items():
            if compact.startswith(role_zh) or compact.upper().startswith(role_en.upper()):
                role = name
        for key, pattern in (
            ("number", r"((?:INV|PL|SC)-\d{4}-\d{5})"),
            ("date", r"(\d{4}-\d{2}-\d{2})"),
        ):
            match = re.search(pattern, text)
            if match and key not in out.fields:
                out.fields[key], out.confidence[key] = match.group(1), score
        if role is None:
            continue
        for part, (part_zh, part_en) in PARTS.items():
            label = re.match(rf"\s*(?:{part_zh})?\s*(?:{part_en})?\s*[:：]\s*(.+)", text, flags=re.IGNORECASE)
            if (compact.startswith(part_zh) or compact.upper().startswith(part_en.upper())) and label:
                key = f"{role}_{part}"
                if key not in out.fields:
                    out.fields[key], out.confidence[key] = label.group(1).strip(), score
    return out


def phone_digits(text: str) -> str:
    """A phone as the graph stores it (the ontology's phone type): no spaces, dashes or brackets."""
    return re.sub(r"[\s()\-]", "", text or "")
