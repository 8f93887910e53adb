"""The hash chain of the audit log: each row stores a keyed hash of its content and of the row before it.

``row_hash = HMAC-SHA256(key, prev_hash + canonical JSON of the row's columns, id included)``, and
``prev_hash`` is the ``row_hash`` of the row with the next lower id (``GENESIS`` for the first). Editing a
row changes its hash; deleting one leaves the next row pointing at a hash that is no longer there;
renumbering breaks the ids' sequence. Rows written before the chain existed are sealed into it by the
first write after the upgrade (``api.audit.record``); a row without a hash is a broken link. Without the key (``TIANJI_AUDIT_SECRET``, else one derived from
``TIANJI_AUTH_SECRET``) nobody can write a chain that verifies. Removing the newest rows leaves a shorter
chain that is still whole: compare ``verify``'s head (id and hash) with one written down earlier.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from tianji.core.settings import Settings

GENESIS = "0" * 64
#: the columns a row's hash covers, in this order
HASHED = (
    "id",
    "at",
    "user",
    "role",
    "unit",
    "operation_type",
    "operation_name",
    "document",
    "variables",
    "result_size",
    "outcome",
    "error_codes",
    "duration_ms",
    "transport",
    "status",
    "address",
)
BATCH = 5000


def chain_key(settings: Settings) -> bytes:
    """The key of the chain: the audit secret, or one derived from the token secret when none is set."""
    if settings.audit_secret:
        return settings.audit_secret.encode()
    return hmac.new(settings.auth_secret.encode(), b"tianji audit chain", hashlib.sha256).digest()


def digest(key: bytes, row: dict[str, Any]) -> str:
    """The hash of one row (its ``HASHED`` columns and its ``prev_hash``)."""
    content = json.dumps([row.get(c) for c in HASHED], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, (str(row["prev_hash"]) + content).encode(), hashlib.sha256).hexdigest()


@dataclass
class Verdict:
    """What ``verify`` found: how many rows it checked, the last good row, and the first broken one."""

    rows: int = 0
    head_id: int = 0
    head_hash: str = GENESIS
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "head_id": self.head_id,
            "head_hash": self.head_hash,
            "broken_id": self.broken_id,
            "reason": self.reason,
        }


def verify(engine: Engine, key: bytes, progress: Callable[[int], None] | None = None) -> Verdict:
    """Walk the log in id order and check every link; stop at the first row that does not hold."""
    verdict = Verdict()
    columns = ", ".join(f'"{c}"' for c in (*HASHED, "prev_hash", "row_hash"))
    expected_id: int | None = None
    previous = GENESIS
    after = 0
    with engine.connect() as conn:
        while True:
            batch = conn.execute(
                text(f"SELECT {columns} FROM audit WHERE id > :after ORDER BY id LIMIT :n"),
                {"after": after, "n": BATCH},
            ).mappings()
            rows = [dict(r) for r in batch]
            if not rows:
                return verdict
            for row in rows:
                problem = _check(row, key, previous, expected_id)
                if problem:
                    verdict.broken_id, verdict.reason = int(row["id"]), problem
                    return verdict
                previous = str(row["row_hash"])
                verdict.head_id, verdict.head_hash = int(row["id"]), previous
                expected_id = int(row["id"]) + 1
                verdict.rows += 1
            after = int(rows[-1]["id"])
            if progress is not None:
                progress(verdict.rows)


def _check(row: dict[str, Any], key: bytes, previous: str, expected_id: int | None) -> str:
    """Why ``row`` breaks the chain, or "" when it holds."""
    if row["row_hash"] is None:
        return "it has no hash (written outside the application, or not yet sealed after an upgrade)"
    if expected_id is not None and row["id"] != expected_id:
        return f"rows {expected_id}–{int(row['id']) - 1} are missing (deleted)"
    if row["prev_hash"] != previous:
        return "its link to the row before does not match (a row before it was changed or deleted)"
    if row["row_hash"] != digest(key, row):
        return "its content does not match its hash (the row was changed)"
    return ""
