"""The review queue's flag: an item the run raised as a warning (a new match contradicting a decision).

Revision ID: resolution_0002
Revises: resolution_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "resolution_0002"
down_revision = "resolution_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("review")}
    if "flag" not in present:
        op.add_column("review", sa.Column("flag", sa.String()))


def downgrade() -> None:
    op.drop_column("review", "flag")
