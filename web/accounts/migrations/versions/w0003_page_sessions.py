"""The pages' sessions, kept server-side so that signing out ends them

Revision ID: w0003
Revises: w0002
Create Date: 2027-01-18 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.persistence.models

revision = 'w0003'
down_revision = 'w0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('session_hash', sa.String(length=64), nullable=False),
    sa.Column('started_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seen_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_hash')
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_seen_at'), ['seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_seen_at'))

    op.drop_table('sessions')
