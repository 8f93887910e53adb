"""The delivery outbox, its log and the in-app events.

Revision ID: alerts_0001
Revises:
"""

import sqlalchemy as sa

from tianji.core.migration_ops import create_missing_table

revision = "alerts_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_missing_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(), unique=True, nullable=False),
        sa.Column("alert_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.String(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("sent_at", sa.String()),
        indexed=("alert_id", "status"),
    )
    create_missing_table(
        "delivery_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("detail", sa.Text()),
        indexed=("delivery_id",),
    )
    create_missing_table(
        "inapp_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        indexed=("topic",),
    )


def downgrade() -> None:
    raise NotImplementedError("the first revision is not reverted")
