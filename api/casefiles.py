"""Case files: an investigator's saved view of the graph (its nodes and edges, with a name and a note),
reopened later exactly as it was. Kept in SQLite beside the graph; owned by a user and a unit (isolation:
another unit's case files are invisible)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, insert, or_, select, update

from tianji.core.clock import utc_now_iso
from tianji.core.db import CASE_FILES, inserted_id, side_engine
from tianji.core.settings import Settings

MAX_VIEW_BYTES = 5_000_000
metadata = MetaData()
case_files = Table(
    "case_file",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("owner", String, nullable=False, index=True),
    Column("unit", String, nullable=False, index=True),
    Column("view", Text, nullable=False),
    Column("created_at", String, nullable=False),
    Column("updated_at", String, nullable=False),
)


def open_case_files(settings: Settings) -> Engine:
    return side_engine(settings, CASE_FILES)


def save(
    engine: Engine, *, owner: str, unit: str, name: str, view: Any, note: str = "", id: int | None = None
) -> dict[str, Any]:
    """Save a new case file, or update one of this owner's (``id``)."""
    if not name.strip():
        raise ValueError("a case file needs a name")
    elements = view.get("elements") if isinstance(view, dict) else view
    if not isinstance(elements, list) or not all(isinstance(e, dict) and "data" in e for e in elements):
        raise ValueError("a view is a list of graph elements ({data: {...}}), as the canvas holds them")
    text = json.dumps(view, ensure_ascii=False)
    if len(text.encode()) > MAX_VIEW_BYTES:
        raise ValueError(f"a view of more than {MAX_VIEW_BYTES:,} bytes: save a smaller selection")
    now = utc_now_iso()
    with engine.begin() as conn:
        if id is None:
            id = inserted_id(
                conn.execute(
                    insert(case_files).values(
                        name=name.strip(),
                        note=note,
                        owner=owner,
                        unit=unit,
                        view=text,
                        created_at=now,
                        updated_at=now,
                    )
                )
            )
        else:
            done = conn.execute(
                update(case_files)
                .where(case_files.c.id == id, case_files.c.owner == owner)
                .values(name=name.strip(), note=note, view=text, updated_at=now)
            )
            if not done.rowcount:
                raise KeyError(f"no case file {id} of yours")
    return get(engine, int(id), unit=unit)


def get(engine: Engine, id: int, *, unit: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(case_files).where(case_files.c.id == id)).mappings().first()
    if row is None or (unit != "*" and row["unit"] != unit):
        raise KeyError(f"no case file {id}")  # another unit's: as if it did not exist
    return {**row, "view": json.loads(row["view"])}


def listing(engine: Engine, *, unit: str, owner: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = (
        select(
            case_files.c.id,
            case_files.c.name,
            case_files.c.note,
            case_files.c.owner,
            case_files.c.unit,
            case_files.c.updated_at,
        )
        .order_by(case_files.c.updated_at.desc())
        .limit(limit)
    )
    if unit != "*":
        query = query.where(case_files.c.unit == unit)
    if owner:
        query = query.where(or_(case_files.c.owner == owner))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
