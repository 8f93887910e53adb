"""Deterministic node ids from source keys, so that re-ingesting a source changes nothing."""

from __future__ import annotations

import hashlib
import re
import unicodedata


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


def account_id(account_number: str) -> str:
    """Id of a bank account: a hash of its number (the number itself is not stored)."""
    return stable_id("acct_", re.sub(r"\s", "", str(account_number)))


def hash_id_number(id_number: str) -> str:
    """SHA-256 of a national ID number, upper-cased: the key of a Person."""
    return hashlib.sha256(str(id_number).strip().upper().encode("utf-8")).hexdigest()
