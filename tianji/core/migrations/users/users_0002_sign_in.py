"""Signing in: the password hash of each user (argon2id, empty for token-only and OIDC users) and the
browser sessions.

Revision ID: users_0002
Revises: users_0001
"""

import sqlalchemy as sa
from alembic import op

from tianji.core.migration_ops import create_missing_table

revision = "users_0002"
down_revision = "users_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("users")}
    if "password_hash" not in present:
        op.add_column("users", sa.Column("password_hash", sa.String()))
    create_missing_table(
        "sessions",
        sa.Column("id_hash", sa.String(), primary_key=True),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("expires_at", sa.String(), nullable=False),
        sa.Column("via", sa.String(), nullable=False),
        indexed=("user", "expires_at"),
    )


def downgrade() -> None:
    op.drop_table("sessions")
    op.drop_column("users", "password_hash")
