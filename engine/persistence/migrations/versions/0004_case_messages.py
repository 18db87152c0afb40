"""Messages and signals between cases, kept until each is delivered

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 20:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.persistence.models

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sender_case_id', sa.String(length=36), nullable=False),
    sa.Column('element', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('to_process', sa.String(length=200), nullable=False),
    sa.Column('to_case', sa.String(length=36), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('delivered_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_to', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_messages_sender_case_id'), 'case_messages', ['sender_case_id'], unique=False)
    op.create_index(op.f('ix_case_messages_outcome'), 'case_messages', ['outcome'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_case_messages_outcome'), table_name='case_messages')
    op.drop_index(op.f('ix_case_messages_sender_case_id'), table_name='case_messages')
    op.drop_table('case_messages')
