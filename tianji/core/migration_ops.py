"""Helpers for the side databases' migrations (``tianji/core/migrations/``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_missing_table(name: str, *columns: sa.Column, indexed: tuple[str, ...] = ()) -> None:
    """Create table ``name`` with an ``ix_<table>_<column>`` index on each ``indexed`` column, unless it
    exists: a database that predates migrations already has its tables, and keeps them and their rows."""
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns)
    for column in indexed:
        op.create_index(f"ix_{name}_{column}", name, [column])
