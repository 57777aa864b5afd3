"""Per-track samples and revisions: observations say how many frames each stands for; a revision counter per
shared thing (the enrolled people) tells every server on the database when to reload its copy.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a constant default: SQLite and PostgreSQL (11+) add the column without rewriting the table
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("frames", sa.Integer(), nullable=False, server_default="1"))
    revisions = op.create_table(
        "revisions",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.bulk_insert(revisions, [{"name": "people", "value": 0}])


def downgrade() -> None:
    op.drop_table("revisions")
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("frames")
