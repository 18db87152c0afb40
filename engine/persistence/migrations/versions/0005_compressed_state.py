"""A case's state stored as bytes (zlib-compressed JSON) instead of text

On PostgreSQL the column becomes bytea; SQLite keeps bytes in its TEXT column. What a row holds
is not compressed here: it is kept as the JSON's UTF-8 bytes, which ``engine.spiff.state.load``
still reads, and each case's state is compressed at its next step.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 23:00:00
"""
from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE cases ALTER COLUMN state TYPE bytea USING convert_to(state, 'UTF8')")
    else:  # SQLite keeps bytes in the TEXT column as it is (engine.persistence.models.CaseRow.state)
        op.execute("UPDATE cases SET state = CAST(state AS BLOB) WHERE typeof(state) = 'text'")


def downgrade() -> None:
    raise NotImplementedError("a compressed state cannot go back into a text column")
