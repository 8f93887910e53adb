"""Reference data of the synthetic world: ports, countries, HS headings with price and duty norms."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict


class PortRecord(TypedDict):
    code: str
    name: str
    city: str
    region: str
    region_code: str
    unit: str
    lat: float
    lon: float


START = dt.date(2024, 1, 1)
END = dt.date(2025, 12, 31)
DRIFT_FROM = dt.date(2025, 5, 1)


def day(offset: int) -> str:
    """The date ``offset`` days after the world's first day, as ISO text."""
    return (START + dt.timedelta(days=int(offset))).isoformat()


def days_between(a: dt.date, b: dt.date) -> int:
    return (b - a).days


PORTS: list[PortRecord] = [
    {
        "code": "5100",
        "name": "广州海关",
        "city": "广州",
        "region": "广东广州",
        "region_code": "440100",
        "unit": "GZ",
        "lat": 23.11,
        "lon": 113.32,
    },
    {
        "code": "5200",
        "name": "黄埔海关",
        "city": "东莞",
        "region": "广东东莞",
        "region_code": "441900",
        "unit": "HP",
        "lat": 23.08,
        "lon": 113.51,
    },
    {
        "code": "5300",
        "name": "深圳海关",
        "city": "深圳",
        "region": "广东深圳",
        "region_code": "440300",
        "unit": "SZ",
        "lat": 22.54,
        "lon": 114.06,
    },
    {
        "code": "5700",
        "name": "拱北海关",
        "city": "珠海",
        "region": "广东珠海",
        "region_code": "440400",
        "unit": "GB",
        "lat": 22.22,
        "lon": 113.55,
    },
    {
        "code": "6700",
        "name": "湛江海关",
        "city": "湛江",
        "region": "广东湛江",
        "region_code": "440800",
        "unit": "ZJ",
        "lat": 21.27,
        "lon": 110.36,
    },
    {
        "code": "3100",
        "name": "宁波海关",
        "city": "宁波",
        "region": "浙江宁波",
        "region_code": "330200",
        "unit": "NB",
        "lat": 29.87,
        "lon": 121.55,
    },
    {
        "code": "2200",
        "name": "上海海关",
        "city": "上海",
        "region": "上海",
        "region_code": "310000",
        "unit": "SH",
        "lat": 31.23,
        "lon": 121.47,
    },
    {
        "code": "0200",
        "name": "天津海关",
        "city": "天津",
        "region": "天津",
        "region_code": "120000",
        "unit": "TJ",
        "lat": 39.08,
        "lon": 117.2,
    },
    {
        "code": "4200",
        "name": "青岛海关",
        "city": "青岛",
        "region": "山东青岛",
        "region_code": "370200",
        "unit": "QD",
        "lat": 36.07,
        "lon": 120.38,
    },
    {
        "code": "7200",
        "name": "南宁海关",
        "city": "南宁",
        "region": "广西南宁",
        "region_code": "450100",
        "unit": "NN",
        "lat": 22.82,
        "lon": 108.32,
    },
    {
        "code": "3700",
        "name": "厦门海关",
        "city": "厦门",
        "region": "福建厦门",
        "region_code": "350200",
        "unit": "XM",
        "lat": 24.48,
        "lon": 118.09,
    },
    {
        "code": "5000",
        "name": "佛山海关",
        "city": "佛山",
        "region": "广东佛山",
        "region_code": "440600",
        "unit": "FS",
        "lat": 23.02,
        "lon": 113.12,
    },
]

COUNTRIES: list[tuple[str, str, str]] = [
    ("CN", "China", "中国"),
    ("US", "United States", "美国"),
    ("DE", "Germany", "德国"),
    ("JP", "Japan", "日本"),
    ("KR", "Korea", "韩国"),
    ("VN", "Viet Nam", "越南"),
    ("TH", "Thailand", "泰国"),
    ("MY", "Malaysia", "马来西亚"),
    ("ID", "Indonesia", "印度尼西亚"),
    ("AU", "Australia", "澳大利亚"),
    ("BR", "Brazil", "巴西"),
    ("FR", "France", "法国"),
    ("ES", "Spain", "西班牙"),
    ("SG", "Singapore", "新加坡"),
    ("HK", "Hong Kong", "中国香港"),
    ("IN", "India", "印度"),
    ("RU", "Russia", "俄罗斯"),
    ("NZ", "New Zealand", "新西兰"),
    ("CL", "Chile", "智利"),
    ("AR", "Argentina", "阿根廷"),
    ("NL", "Netherlands", "荷兰"),
    ("IT", "Italy", "意大利"),
    ("GB", "United Kingdom", "英国"),
    ("CA", "Canada", "加拿大"),
]

# heading, chapter, description, unit, USD per unit (norm), kg per unit, duty rate
HS_HEADINGS = [
    {"id": h, "chapter": h[:2], "description": d, "unit": u, "price": p, "kg": k, "duty": t}
    for h, d, u, p, k, t in [
        ("0201", "bovine meat, fresh", "kg", 7.5, 1.0, 0.20),
        ("0202", "bovine meat, frozen", "kg", 6.0, 1.0, 0.12),
        ("0303", "fish, frozen", "kg", 3.2, 1.0, 0.10),
        ("0306", "crustaceans", "kg", 12.0, 1.0, 0.07),
        ("0402", "milk powder", "kg", 4.0, 1.0, 0.10),
        ("0805", "citrus fruit", "kg", 1.1, 1.0, 0.12),
        ("0901", "coffee", "kg", 4.5, 1.0, 0.08),
        ("1001", "wheat", "kg", 0.3, 1.0, 0.01),
        ("1201", "soya beans", "kg", 0.55, 1.0, 0.03),
        ("1511", "palm oil", "kg", 0.9, 1.0, 0.09),
        ("2204", "wine", "l", 6.0, 1.3, 0.14),
        ("2208", "spirits", "l", 15.0, 1.4, 0.10),
        ("2402", "cigarettes", "kg", 40.0, 1.0, 0.25),
        ("2709", "crude oil", "kg", 0.5, 1.0, 0.0),
        ("3004", "medicaments", "kg", 60.0, 1.0, 0.03),
        ("3304", "cosmetics", "kg", 25.0, 1.0, 0.05),
        ("3901", "polyethylene", "kg", 1.2, 1.0, 0.065),
        ("4011", "tyres", "pcs", 55.0, 9.0, 0.10),
        ("4403", "wood in the rough", "kg", 0.25, 1.0, 0.0),
        ("5201", "cotton", "kg", 1.8, 1.0, 0.01),
        ("6110", "jerseys, knitted", "pcs", 9.0, 0.3, 0.06),
        ("6403", "leather footwear", "pcs", 30.0, 0.9, 0.10),
        ("7108", "gold", "kg", 60000.0, 1.0, 0.0),
        ("7403", "refined copper", "kg", 9.0, 1.0, 0.02),
        ("8471", "computers", "pcs", 450.0, 3.5, 0.0),
        ("8517", "telephone sets", "pcs", 220.0, 0.4, 0.0),
        ("8542", "integrated circuits", "pcs", 2.5, 0.002, 0.0),
        ("8703", "motor cars", "pcs", 35000.0, 1600.0, 0.15),
        ("8708", "vehicle parts", "kg", 12.0, 1.0, 0.06),
        ("9018", "medical instruments", "pcs", 800.0, 5.0, 0.04),
        ("9102", "wrist watches", "pcs", 350.0, 0.1, 0.08),
        ("9503", "toys", "pcs", 6.0, 0.5, 0.0),
    ]
]

# the lower-duty heading a misdeclaration claims instead
MISDECLARED_AS = {
    "0201": "0202",
    "2208": "2204",
    "2402": "2401",
    "3304": "3401",
    "9102": "9103",
    "8703": "8708",
    "0306": "0303",
    "6403": "6405",
    "3004": "3003",
    "7108": "7403",
}
EXTRA_HEADINGS = [
    {
        "id": "2401",
        "chapter": "24",
        "description": "unmanufactured tobacco",
        "unit": "kg",
        "price": 8.0,
        "kg": 1.0,
        "duty": 0.10,
    },
    {
        "id": "3401",
        "chapter": "34",
        "description": "soap",
        "unit": "kg",
        "price": 3.0,
        "kg": 1.0,
        "duty": 0.065,
    },
    {
        "id": "9103",
        "chapter": "91",
        "description": "clocks with watch movements",
        "unit": "pcs",
        "price": 40.0,
        "kg": 0.5,
        "duty": 0.10,
    },
    {
        "id": "6405",
        "chapter": "64",
        "description": "other footwear",
        "unit": "pcs",
        "price": 8.0,
        "kg": 0.8,
        "duty": 0.10,
    },
    {
        "id": "3003",
        "chapter": "30",
        "description": "medicaments, not in doses",
        "unit": "kg",
        "price": 30.0,
        "kg": 1.0,
        "duty": 0.05,
    },
]
UNITS = {h["id"]: h["unit"] for h in HS_HEADINGS + EXTRA_HEADINGS}
