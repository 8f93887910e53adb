"""Users and their API-key hashes.

Revision ID: users_0001
Revises:
"""

import sqlalchemy as sa

from tianji.core.migration_ops import create_missing_table

revision = "users_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_missing_table(
        "users",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("key_hash", sa.String(), unique=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the first revision is not reverted")
