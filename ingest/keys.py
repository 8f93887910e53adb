"""Deterministic node ids from source keys, so that re-ingesting a source changes nothing.

Personal numbers (national ID numbers, bank accounts, phone numbers) are keyed with HMAC-SHA256 under
the deployment's hash secret (``TIANJI_HASH_SECRET``): without the secret a key cannot be recomputed
from a guessed number, so the small, structured space of ID numbers cannot be searched through. The
same secret must be used by whoever computes keys in the sources (``persons.csv`` carries ``id_hash``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from tianji.core.settings import get_settings


def stable_id(prefix: str, *parts: object) -> str:
    """``prefix`` + 16 hex chars of SHA-1 over the parts: the same parts always give the same id."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return f"{prefix}{hashlib.sha1(text.encode('utf-8')).hexdigest()[:16]}"


def mention_id(name: str, country: str | None) -> str:
    """Id of an overseas party mention: its exact spelling and country (normalised only for whitespace)."""
    return stable_id("pm_", " ".join(str(name).split()), (country or "").upper())


def address_id(text: str) -> str:
    """Id of an address: its text with width, case, punctuation and whitespace normalised."""
    norm = unicodedata.normalize("NFKC", str(text)).lower()
    norm = re.sub(r"[\s,，.。#\-]+", "", norm)
    return stable_id("addr_", norm)


def keyed_hash(value: str, secret: str | None = None) -> str:
    """HMAC-SHA256 of ``value`` (hex) under ``secret``, by default the configured hash secret."""
    key = get_settings().hash_secret if secret is None else secret
    return hmac.new(key.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()


def account_id(account_number: str, *, secret: str | None = None) -> str:
    """Id of a bank account: a keyed hash of its number, spaces removed (the number is not stored)."""
    return "acct_" + keyed_hash(re.sub(r"\s", "", str(account_number)), secret)[:32]


def phone_id(number: str, *, secret: str | None = None) -> str:
    """Id of a phone: a keyed hash of its number without spaces, dashes and brackets."""
    return "ph_" + keyed_hash(re.sub(r"[\s()\-]", "", str(number)), secret)[:32]


def hash_id_number(id_number: str, *, secret: str | None = None) -> str:
    """Keyed hash of a national ID number, upper-cased: the key of a Person."""
    return keyed_hash(str(id_number).strip().upper(), secret)
