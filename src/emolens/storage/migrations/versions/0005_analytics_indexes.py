"""Indexes for analytics computed by the database, keyset-paged history and streamed exports.

- ``ix_observations_session_time_person_emotion`` (session_id, timestamp, person, emotion) holds every column
  the counting queries read, so they scan this narrow index instead of the table (whose rows carry the
  probabilities JSON); its first two columns serve what ``ix_observations_session_time`` served, which goes.
- ``ix_observations_time_id`` (timestamp, id) orders the history for keyset pages (newest or oldest first),
  the time span of all observations and time-range filters.

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_observations_session_time_person_emotion", "observations", ["session_id", "timestamp", "person", "emotion"]
    )
    op.create_index("ix_observations_time_id", "observations", ["timestamp", "id"])
    op.drop_index("ix_observations_session_time", "observations")


def downgrade() -> None:
    op.create_index("ix_observations_session_time", "observations", ["session_id", "timestamp"])
    op.drop_index("ix_observations_time_id", "observations")
    op.drop_index("ix_observations_session_time_person_emotion", "observations")
