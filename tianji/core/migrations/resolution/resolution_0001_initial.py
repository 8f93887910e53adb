"""Entity resolution's review queue, its decision log and reviewers' merges and splits.

Revision ID: resolution_0001
Revises:
"""

import sqlalchemy as sa

from tianji.core.migration_ops import create_missing_table

revision = "resolution_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_missing_table(
        "review",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("a", sa.String(), nullable=False),
        sa.Column("b", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("decided_by", sa.String()),
        sa.Column("decided_at", sa.String()),
    )
    create_missing_table(
        "review_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("decision", sa.String(), nullable=False),
    )
    create_missing_table(
        "review_action",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("reverted_by", sa.String()),
        sa.Column("reverted_at", sa.String()),
    )


def downgrade() -> None:
    raise NotImplementedError("the first revision is not reverted")
