"""What the case list sorts by: the participant's name and key, empty for a protected identity, as
columns with indexes (the list sorted by name walked an expression over every case's JSON)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 12:00:00
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from engine.persistence.models import participant_sort_keys

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

#: Cases written back per statement while the columns are filled.
CHUNK = 1_000


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('participant_sort_name', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('participant_sort_key', sa.String(length=200), nullable=True))
    bind = op.get_bind()
    cases = sa.table('cases', sa.column('id', sa.String()), sa.column('participant_sort_name', sa.String()),
                     sa.column('participant_sort_key', sa.String()))
    found = bind.execute(sa.text("SELECT id, CAST(participant AS TEXT), participant_key FROM cases")).all()
    keys = [{"case_id": case_id, **participant_sort_keys(json.loads(text or "{}"), key)}
            for case_id, text, key in found]
    keys = [k for k in keys if k["participant_sort_name"] is not None or k["participant_sort_key"] is not None]
    update = (cases.update().where(cases.c.id == sa.bindparam("case_id"))
              .values(participant_sort_name=sa.bindparam("participant_sort_name"),
                      participant_sort_key=sa.bindparam("participant_sort_key")))
    for first in range(0, len(keys), CHUNK):
        bind.execute(update, keys[first:first + CHUNK])
    op.drop_index('ix_cases_process_participant_name', table_name='cases')
    op.drop_index('ix_cases_process_participant_key', table_name='cases')
    op.create_index('ix_cases_sort_name', 'cases', ['participant_sort_name'], unique=False)
    op.create_index('ix_cases_sort_key', 'cases', ['participant_sort_key'], unique=False)
    op.create_index('ix_cases_process_sort_name', 'cases', ['process_key', 'participant_sort_name'], unique=False)
    op.create_index('ix_cases_process_sort_key', 'cases', ['process_key', 'participant_sort_key'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_process_sort_key', table_name='cases')
    op.drop_index('ix_cases_process_sort_name', table_name='cases')
    op.drop_index('ix_cases_sort_key', table_name='cases')
    op.drop_index('ix_cases_sort_name', table_name='cases')
    op.create_index('ix_cases_process_participant_name', 'cases', ['process_key', 'participant_name'], unique=False)
    op.create_index('ix_cases_process_participant_key', 'cases', ['process_key', 'participant_key'], unique=False)
    # Not a batch (SQLite would copy the table, which others' foreign keys refer to): their indexes
    # are gone, so both databases drop the columns in place.
    op.execute('ALTER TABLE cases DROP COLUMN participant_sort_key')
    op.execute('ALTER TABLE cases DROP COLUMN participant_sort_name')
