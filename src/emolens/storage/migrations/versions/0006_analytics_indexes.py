"""Indexes for statistics counted by the database and for keyset pages of history.

Each holds every column its query reads, so the database answers from the index and never touches the
table's rows (which carry the probabilities JSON), and groups or orders in index order without sorting:

- ``ix_observations_session_person_emotion_time``: counts per session, person and emotion;
- ``ix_observations_emotion_time_session_person``: counts per emotion in each time bucket (a range each);
- ``ix_observations_time_id``: history pages (newest or oldest first), the time span and time-range filters.

``ix_observations_session_time`` (0001) stays: it pages and spans one session's history.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_observations_session_person_emotion_time": ["session_id", "person", "emotion", "timestamp", "frames"],
    "ix_observations_emotion_time_session_person": ["emotion", "timestamp", "session_id", "person", "frames"],
    "ix_observations_time_id": ["timestamp", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "observations", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "observations")
