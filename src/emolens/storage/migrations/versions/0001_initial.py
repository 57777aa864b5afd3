"""Initial schema: sessions, observations, settings.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from emolens.storage.tables import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("scenario", sa.String(80), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_sessions_started_at", "sessions", ["started_at"])
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("timestamp", UtcDateTime(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=True),
        sa.Column("person", sa.String(120), nullable=True),
        sa.Column("emotion", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("probabilities", sa.JSON(), nullable=False),
        sa.Column("bbox", sa.JSON(), nullable=True),
    )
    op.create_index("ix_observations_session_time", "observations", ["session_id", "timestamp"])
    op.create_index("ix_observations_person", "observations", ["person"])
    op.create_table("settings", sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.JSON()))


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_table("observations")
    op.drop_table("sessions")
