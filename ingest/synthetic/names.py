"""Names for the synthetic world, and the spelling variants real declarations carry."""

from __future__ import annotations

import random
import unicodedata

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国红梅春峰波宇浩凯志新荣斌晨欣宁亮"
)
BRANDS = list("华盛鑫源泰丰隆达通宏昌恒瑞利嘉信安兴海天金润聚德宝龙祥和新远博众汇诚亿优锦航盈创")
TRADES = ["贸易", "进出口", "供应链", "国际物流", "电子", "食品", "实业", "科技", "商贸", "化工"]
CITIES = ["广州", "深圳", "东莞", "佛山", "珠海", "宁波", "上海", "天津", "青岛", "南宁", "湛江", "厦门"]
SUFFIXES = ["有限公司", "有限责任公司"]

EN_WORDS = [
    "SUN",
    "GOLDEN",
    "PACIFIC",
    "ORIENT",
    "GLOBAL",
    "EVER",
    "BRIGHT",
    "UNITED",
    "GRAND",
    "ROYAL",
    "SILVER",
    "STAR",
    "OCEAN",
    "EAGLE",
    "LOTUS",
    "DRAGON",
    "CROWN",
    "NOBLE",
    "PRIME",
    "ALPHA",
    "DELTA",
    "NORTH",
    "WEST",
    "EASTERN",
    "HARVEST",
    "SUMMIT",
    "VERTEX",
    "LIBERTY",
    "ATLAS",
    "PHOENIX",
    "JADE",
    "MERIDIAN",
]
EN_TRADES = [
    "TRADING",
    "INTERNATIONAL",
    "ELECTRONICS",
    "FOODS",
    "INDUSTRIES",
    "IMPORT EXPORT",
    "LOGISTICS",
    "SEAFOOD",
    "CHEMICALS",
    "TEXTILES",
    "MACHINERY",
    "COMMODITIES",
    "HOLDINGS",
    "RESOURCES",
]
LEGAL_FORMS = {
    "CN": ["CO., LTD.", "COMPANY LIMITED", "CO LTD", "LTD."],
    "HK": ["LIMITED", "LTD", "CO., LIMITED", "COMPANY LIMITED"],
    "DE": ["GMBH", "GmbH", "G.M.B.H."],
    "FR": ["S.A.", "SA", "SAS"],
    "ES": ["S.A.", "SA", "S.L."],
    "US": ["LLC", "L.L.C.", "INC.", "INC"],
    "SG": ["PTE LTD", "PTE. LTD.", "PRIVATE LIMITED"],
    "default": ["CO., LTD.", "COMPANY LIMITED", "CO LTD", "LIMITED"],
}
ABBREVIATIONS = {
    "INTERNATIONAL": "INTL",
    "TRADING": "TRDG",
    "COMPANY": "CO",
    "INDUSTRIES": "IND",
    "ELECTRONICS": "ELEC",
    "LOGISTICS": "LOGIST",
    "IMPORT EXPORT": "IMP EXP",
}
TRANSLIT = {"Ü": "UE", "Ö": "OE", "Ä": "AE", "É": "E", "Ç": "C"}
FOREIGN_WORDS = {
    "DE": ["MÜLLER", "KÖNIG", "SCHÄFER", "WEBER"],
    "FR": ["LUMIÈRE", "FRANÇAIS", "ÉTOILE"],
    "ES": ["PEÑA", "ESPAÑA", "MONTAÑA"],
}


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def enterprise_name(rng: random.Random, city: str) -> str:
    return city + "".join(rng.choice(BRANDS) for _ in range(2)) + rng.choice(TRADES) + rng.choice(SUFFIXES)


def chinese_variant(rng: random.Random, name: str, city: str) -> str:
    """Full-width characters, the other legal suffix, a bracketed city, stray whitespace."""
    kind = rng.randrange(4)
    if kind == 0:
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name) + "\u3000"
    if kind == 1:
        if "有限责任公司" in name:
            return name.replace("有限责任公司", "有限公司")
        return name.replace("有限公司", "有限责任公司")
    if kind == 2 and name.startswith(city):
        suffix = "有限责任公司" if name.endswith("有限责任公司") else "有限公司"
        return f"{name[len(city) : -len(suffix)]}（{city}）{suffix}"
    return f"{name[:2]} {name[2:]}"


def overseas_name(rng: random.Random, country: str) -> str:
    words = [rng.choice(EN_WORDS)]
    if country in FOREIGN_WORDS and rng.random() < 0.5:
        words = [rng.choice(FOREIGN_WORDS[country])]
    words.append(rng.choice(EN_WORDS))
    words.append(rng.choice(EN_TRADES))
    forms = LEGAL_FORMS.get(country, LEGAL_FORMS["default"])
    return " ".join(words) + " " + forms[0]


def _swap_legal_form(name: str, country: str, rng: random.Random) -> str:
    forms = LEGAL_FORMS.get(country, LEGAL_FORMS["default"])
    for form in sorted({f for fs in LEGAL_FORMS.values() for f in fs}, key=len, reverse=True):
        if name.endswith(" " + form):
            return name[: -len(form)] + rng.choice(forms)
    return name


def _typo(name: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 8:
        return name
    i = rng.choice(letters[2:-2])
    kind = rng.randrange(3)
    if kind == 0:
        return name[:i] + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i] + name[i:]


def overseas_variant(rng: random.Random, name: str, country: str) -> str:
    """One spelling of ``name`` as a clerk might type it: never a different party's name."""
    variant = name
    for step in rng.sample(range(7), k=rng.choice((1, 2))):
        if step == 0:
            variant = variant.title() if rng.random() < 0.5 else variant.lower()
        elif step == 1:
            variant = (
                variant.replace(",", "").replace(".", "")
                if rng.random() < 0.5
                else variant.replace(" ", "  ", 1)
            )
        elif step == 2:
            variant = _swap_legal_form(variant, country, rng)
        elif step == 3:
            for full, short in ABBREVIATIONS.items():
                if full in variant.upper():
                    variant = variant.upper().replace(full, short)
                    break
        elif step == 4:
            variant = _typo(variant, rng)
        elif step == 5:
            parts = variant.split(" ")
            if len(parts) > 3:
                parts[0], parts[1] = parts[1], parts[0]
                variant = " ".join(parts)
        elif step == 6:
            upper = variant.upper()
            if any(ch in upper for ch in TRANSLIT):
                variant = "".join(TRANSLIT.get(ch, ch) for ch in upper)
            else:
                variant = unicodedata.normalize("NFKD", variant).encode("ascii", "ignore").decode() or variant
    return " ".join(variant.split()) if rng.random() < 0.7 else variant
