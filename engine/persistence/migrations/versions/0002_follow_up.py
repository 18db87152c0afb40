"""The follow-up's read model: one row per case, and the months of its monthly contact

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 17:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.persistence.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('follow_up',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('process_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('gender', sa.String(length=50), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('municipality', sa.String(length=200), nullable=True),
    sa.Column('authority', sa.String(length=200), nullable=True),
    sa.Column('outcome', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=50), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('reply_due_on', sa.Date(), nullable=True),
    sa.Column('replied_on', sa.Date(), nullable=True),
    sa.Column('updated_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('case_id')
    )
    op.create_table('follow_up_contacts',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.PrimaryKeyConstraint('case_id', 'month')
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_process_referred', ['process_key', 'referred_on'], unique=False)
        batch_op.create_index('ix_follow_up_process_ended', ['process_key', 'ended_on'], unique=False)
        batch_op.create_index('ix_follow_up_process_reply_due', ['process_key', 'reply_due_on'], unique=False)


def downgrade() -> None:
    op.drop_table('follow_up_contacts')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_process_reply_due')
        batch_op.drop_index('ix_follow_up_process_ended')
        batch_op.drop_index('ix_follow_up_process_referred')
    op.drop_table('follow_up')
