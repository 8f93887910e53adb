"""Custom tags: an investigator's own labels on subjects ("to revisit", "suspected front company"), kept
apart from the analysts' label system (they never feed rules or scores). Owned by a user and a unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, delete, insert, select

from tianji.core.clock import utc_now_iso
from tianji.core.db import CUSTOM_TAGS, inserted_id, side_engine
from tianji.core.settings import Settings

metadata = MetaData()
custom_tags = Table(
    "custom_tag",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String, nullable=False, index=True),
    Column("unit", String, nullable=False, index=True),
    Column("label", String, nullable=False),
    Column("node_id", String, nullable=False, index=True),
    Column("tag", String, nullable=False),
    Column("note", String, nullable=False, default=""),
    Column("created_at", String, nullable=False),
)


def open_custom_tags(settings: Settings) -> Engine:
    return side_engine(settings, CUSTOM_TAGS)


def add(
    engine: Engine, *, owner: str, unit: str, label: str, node_id: str, tag: str, note: str = ""
) -> dict[str, Any]:
    tag = tag.strip()
    if not tag or len(tag) > 60:
        raise ValueError("a custom tag is 1-60 characters")
    now = utc_now_iso()
    with engine.begin() as conn:
        new_id = inserted_id(
            conn.execute(
                insert(custom_tags).values(
                    owner=owner, unit=unit, label=label, node_id=node_id, tag=tag, note=note, created_at=now
                )
            )
        )
        return dict(conn.execute(select(custom_tags).where(custom_tags.c.id == new_id)).mappings().one())


def listing(
    engine: Engine, *, owner: str, label: str | None = None, node_id: str | None = None
) -> list[dict[str, Any]]:
    query = select(custom_tags).where(custom_tags.c.owner == owner).order_by(custom_tags.c.created_at.desc())
    if label and node_id:
        query = query.where(custom_tags.c.label == label, custom_tags.c.node_id == node_id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def remove(engine: Engine, tag_id: int, *, owner: str) -> bool:
    with engine.begin() as conn:
        return bool(
            conn.execute(
                delete(custom_tags).where(custom_tags.c.id == tag_id, custom_tags.c.owner == owner)
            ).rowcount
        )
