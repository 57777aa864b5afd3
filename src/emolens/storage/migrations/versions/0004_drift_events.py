"""Drift events: the alarms of the rolling monitors of the web app and the desktop viewer.

A session's events go with it (ON DELETE CASCADE): they describe that session's faces, and deleting a session
must leave nothing derived from it. Events of no session (session_id NULL) go with `DELETE /api/data`.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from emolens.storage.tables import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drift_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_drift_events_at", "drift_events", ["at"])
    op.create_index("ix_drift_events_session_id", "drift_events", ["session_id"])


def downgrade() -> None:
    op.drop_table("drift_events")
