"""Every request audited and the rows chained: the transport, HTTP status and client address of each row,
and its keyed hash with the hash of the row before it (rows from before are sealed at the next write).

Revision ID: audit_0002
Revises: audit_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "audit_0002"
down_revision = "audit_0001"
branch_labels = None
depends_on = None

COLUMNS = (
    ("transport", sa.String()),
    ("status", sa.Integer()),
    ("address", sa.String()),
    ("prev_hash", sa.String()),
    ("row_hash", sa.String()),
)


def upgrade() -> None:
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("audit")}
    for name, kind in COLUMNS:
        if name not in present:
            op.add_column("audit", sa.Column(name, kind))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("audit", name)
