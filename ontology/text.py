"""Text normalisation for search: width, case, spacing, punctuation and legal-form variants.

``search_text`` is what is stored (derived at ingest for every property the ontology marks
``search: true``); ``search_key`` is what a query is reduced to. A stored text contains the key of
every spelling of the same name: full-width or half-width, with or without spaces, 有限公司 or
有限责任公司, with or without a bracketed city, CO., LTD or COMPANY LIMITED.
"""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[\s\.,，。;；:：'\"“”‘’\-_/\\()（）\[\]【】&·]+")
_BRACKETED = re.compile(r"[（(][^）)]{1,8}[）)]")
_CN_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司")
_EN_FORMS = re.compile(
    r"(company limited|co\.?,? ?ltd\.?|limited|ltd\.?|gmbh|g\.m\.b\.h\.?|l\.?l\.?c\.?|inc\.?|corp(oration)?\.?|"
    r"pte\.? ?ltd\.?|private limited|s\.a\.s?|s\.l\.|sas|sa|co\.?)\s*$"
)


def search_text(*values: object) -> str:
    """What is stored for search: every value, normalised, joined by '|'."""
    parts = []
    for value in values:
        if value is None or value == "":
            continue
        text = unicodedata.normalize("NFKC", str(value)).lower()
        parts.append(_PUNCT.sub("", text))
    return "|".join(parts)


def search_key(query: str) -> str:
    """A query reduced so that it is contained in the stored text of any spelling of the same name."""
    text = unicodedata.normalize("NFKC", query).lower().strip()
    text = _BRACKETED.sub("", text)
    for _ in range(2):
        text = _EN_FORMS.sub("", text.strip())
    text = _PUNCT.sub("", text)
    for form in _CN_FORMS:
        if text.endswith(form) and len(text) > len(form) + 1:
            text = text[: -len(form)]
            break
    return text


def words(value: object) -> list[str]:
    """The words of a stored value: width and case folded, split at spaces and punctuation."""
    text = unicodedata.normalize("NFKC", str(value)).lower()
    return _PUNCT.sub(" ", text).split()


def query_words(query: str) -> list[str]:
    """A query's words, reduced as ``search_key`` reduces it (brackets and legal forms dropped), with the
    spaces between words kept: ``"".join(query_words(q))`` is ``search_key(q)``."""
    text = unicodedata.normalize("NFKC", query).lower().strip()
    text = _BRACKETED.sub("", text)
    for _ in range(2):
        text = _EN_FORMS.sub("", text.strip())
    found = _PUNCT.sub(" ", text).split()
    joined = "".join(found)
    for form in _CN_FORMS:
        if joined.endswith(form) and len(joined) > len(form) + 1:
            while form:  # the form may be spread over the last words ("有限 公司")
                last = found.pop()
                cut = min(len(last), len(form))
                form = form[:-cut]
                if len(last) > cut:
                    found.append(last[:-cut])
            break
    return found
