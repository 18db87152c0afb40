"""The unclaimed tasks of an intervention in the inbox order, a partial index: the group tab walked
every claimed task between the ones it shows

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 12:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_human_tasks_unclaimed_order', 'human_tasks', ['process_key', 'inbox_order', 'created_at', 'id'],
                    unique=False, sqlite_where=sa.text('assignee IS NULL'), postgresql_where=sa.text('assignee IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_human_tasks_unclaimed_order', table_name='human_tasks')
