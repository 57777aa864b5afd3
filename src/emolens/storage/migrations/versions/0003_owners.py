"""Owners: the running servers and viewers that record sessions, with a heartbeat; sessions name their owner.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from emolens.storage.tables import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "owners",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("heartbeat_at", UtcDateTime(), nullable=False),
        sa.Column("timeout_s", sa.Float(), nullable=False),
    )
    # no foreign key: an owner row that is gone is how a reaper knows its sessions are orphans
    op.add_column("sessions", sa.Column("owner_id", sa.String(36), nullable=True))
    op.create_index("ix_sessions_owner_id", "sessions", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_sessions_owner_id", "sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("owner_id")
    op.drop_table("owners")
