"""Case files: saved views of the graph.

Revision ID: casefiles_0001
Revises:
"""

import sqlalchemy as sa

from tianji.core.migration_ops import create_missing_table

revision = "casefiles_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_missing_table(
        "case_file",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("view", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        indexed=("owner", "unit"),
    )


def downgrade() -> None:
    raise NotImplementedError("the first revision is not reverted")
