"""The audit log.

Revision ID: audit_0001
Revises:
"""

import sqlalchemy as sa

from tianji.core.migration_ops import create_missing_table

revision = "audit_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_missing_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("operation_type", sa.String(), nullable=False),
        sa.Column("operation_name", sa.String()),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("variables", sa.Text(), nullable=False),
        sa.Column("result_size", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("error_codes", sa.String()),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        indexed=("at", "user"),
    )


def downgrade() -> None:
    raise NotImplementedError("the first revision is not reverted")
