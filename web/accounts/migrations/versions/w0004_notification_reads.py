"""Notifications read one by one, not all at once when the page is opened

Revision ID: w0004
Revises: w0003
Create Date: 2027-01-25 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.persistence.models

revision = 'w0004'
down_revision = 'w0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification_reads',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('notification_id', sa.String(length=36), nullable=False),
    sa.Column('read_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username', 'notification_id', name='uq_notification_reads')
    )
    with op.batch_alter_table('notification_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_reads_username'), ['username'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_reads_username'))

    op.drop_table('notification_reads')
