"""The participant's name as searched and sorted, and indexes for the pages at 100,000 open cases:
the case list's newest-first order (for everyone, one intervention, one status, one referrer), the
participant's name and key, the kinds of open task, a person's tasks and notifications

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 23:30:00
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from engine.persistence.models import participant_name

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The participant's name as searched and sorted, beside the JSON, filled for the cases there are.
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('participant_name', sa.String(length=500), nullable=True))
    bind = op.get_bind()
    cases = sa.table('cases', sa.column('id', sa.String()), sa.column('participant', sa.Text()),
                     sa.column('participant_name', sa.String()))
    found = bind.execute(sa.text("SELECT id, CAST(participant AS TEXT) FROM cases")).all()
    named = [{"key": case_id, "name": participant_name(json.loads(text or "{}"))} for case_id, text in found]
    named = [n for n in named if n["name"] is not None]
    if named:
        bind.execute(cases.update().where(cases.c.id == sa.bindparam("key"))
                     .values(participant_name=sa.bindparam("name")), named)
    op.create_index('ix_cases_participant_name', 'cases', ['participant_name', 'id'], unique=False)
    op.create_index('ix_cases_participant_key', 'cases', ['participant_key', 'id'], unique=False)
    op.create_index('ix_cases_process_participant_name', 'cases', ['process_key', 'participant_name'], unique=False)
    op.create_index('ix_cases_process_participant_key', 'cases', ['process_key', 'participant_key'], unique=False)
    op.drop_index('ix_cases_status', table_name='cases')
    op.create_index('ix_cases_status_created', 'cases', ['status', 'created_at', 'id'], unique=False)
    op.create_index('ix_cases_created', 'cases', ['created_at', 'id'], unique=False)
    op.create_index('ix_cases_process_created', 'cases', ['process_key', 'created_at', 'id'], unique=False)
    op.create_index('ix_cases_started_by_created', 'cases', ['started_by', 'created_at', 'id'], unique=False)
    op.create_index('ix_notifications_recipient_created', 'notifications', ['recipient', 'created_at', 'id'],
                    unique=False)
    op.drop_index('ix_human_tasks_assignee', table_name='human_tasks')
    op.create_index('ix_human_tasks_assignee_inbox_order', 'human_tasks',
                    ['assignee', 'process_key', 'inbox_order', 'created_at', 'id'], unique=False)
    op.drop_index('ix_notifications_recipient', table_name='notifications')
    op.create_index('ix_human_tasks_process_element_title', 'human_tasks', ['process_key', 'element', 'title'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_status_created', table_name='cases')
    op.create_index('ix_cases_status', 'cases', ['status'], unique=False)
    op.drop_index('ix_cases_process_participant_key', table_name='cases')
    op.drop_index('ix_cases_process_participant_name', table_name='cases')
    op.drop_index('ix_cases_participant_key', table_name='cases')
    op.drop_index('ix_cases_participant_name', table_name='cases')
    # Not a batch (SQLite would copy the table, which others' foreign keys refer to): its indexes are
    # gone, so both databases drop the column in place.
    op.execute('ALTER TABLE cases DROP COLUMN participant_name')
    op.drop_index('ix_human_tasks_process_element_title', table_name='human_tasks')
    op.drop_index('ix_notifications_recipient_created', table_name='notifications')
    op.create_index('ix_notifications_recipient', 'notifications', ['recipient'], unique=False)
    op.drop_index('ix_human_tasks_assignee_inbox_order', table_name='human_tasks')
    op.create_index('ix_human_tasks_assignee', 'human_tasks', ['assignee'], unique=False)
    op.drop_index('ix_cases_started_by_created', table_name='cases')
    op.drop_index('ix_cases_process_created', table_name='cases')
    op.drop_index('ix_cases_created', table_name='cases')
