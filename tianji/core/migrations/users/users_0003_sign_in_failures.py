"""Failed sign-ins, by account and by client address, for refusing a while after too many.

Revision ID: users_0003
Revises: users_0002
"""

import sqlalchemy as sa
from alembic import op

from tianji.core.migration_ops import create_missing_table

revision = "users_0003"
down_revision = "users_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_missing_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        indexed=("key",),
    )


def downgrade() -> None:
    op.drop_table("sign_in_failures")
