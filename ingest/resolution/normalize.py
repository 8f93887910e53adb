"""Name normalisation for matching: overseas parties, Chinese enterprise names, people."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import yaml

from tianji.core.resources import package_path

RULES = yaml.safe_load(package_path("ingest.resolution", "legal_forms.yaml").read_text(encoding="utf-8"))
_FORMS = sorted((f.split() for f in RULES["legal_forms"]), key=len, reverse=True)
_ABBR = RULES["abbreviations"]
_TRANSLIT = RULES["transliterations"]
_VESSEL_PREFIX = re.compile(
    r"^(" + "|".join(re.escape(p) for p in sorted(RULES["vessel_prefixes"], key=len, reverse=True)) + r")\s+"
)
_CN_SUFFIX = re.compile(r"(股份有限公司|有限责任公司|有限公司|集团公司|公司)$")
_CN_BRACKET = re.compile(r"[（(]([^）)]{1,6})[）)]")


@lru_cache(maxsize=200_000)
def overseas(name: str) -> str:
    """Lower case, transliterated, punctuation gone, abbreviations expanded, legal forms dropped."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = "".join(_TRANSLIT.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9&' ]+", " ", text)
    words = [_ABBR.get(w, w) for w in text.split()]
    words = " ".join(words).replace("import export", "import export").split()
    changed = True
    while changed and words:
        changed = False
        for form in _FORMS:
            if len(words) >= len(form) and words[-len(form) :] == form:
                words = words[: -len(form)]
                changed = True
                break
    return " ".join(words)


@lru_cache(maxsize=200_000)
def chinese_enterprise(name: str) -> str:
    """Half width, no spaces, a bracketed city moved to the front, the legal suffix dropped."""
    text = unicodedata.normalize("NFKC", name).strip()
    text = re.sub(r"\s+", "", text)
    city = _CN_BRACKET.search(text)
    if city:
        text = city.group(1) + _CN_BRACKET.sub("", text)
    return _CN_SUFFIX.sub("", text)


def person(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


@lru_cache(maxsize=200_000)
def vessel(name: str) -> str:
    """A ship's name without its type prefix (M/V, MT, …), upper case, spaces collapsed."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name).strip().lower())
    return _VESSEL_PREFIX.sub("", text).upper()
