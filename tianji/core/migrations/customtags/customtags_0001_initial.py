"""Investigators' custom tags.

Revision ID: customtags_0001
Revises:
"""

import sqlalchemy as sa

from tianji.core.migration_ops import create_missing_table

revision = "customtags_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_missing_table(
        "custom_tag",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("node_id", sa.String(), nullable=False),
        sa.Column("tag", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        indexed=("owner", "unit", "node_id"),
    )


def downgrade() -> None:
    raise NotImplementedError("the first revision is not reverted")
