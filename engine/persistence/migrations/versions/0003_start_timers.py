"""Start timers: processes whose start event has a timer open their cases themselves

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 20:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.persistence.models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('start_timers',
    sa.Column('process_key', sa.String(length=200), nullable=False),
    sa.Column('process_version_id', sa.Integer(), nullable=False),
    sa.Column('element', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('anchor', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fired', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('opened', sa.Integer(), nullable=False),
    sa.Column('next_due_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('updated_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['process_version_id'], ['process_versions.id'], ),
    sa.PrimaryKeyConstraint('process_key')
    )
    with op.batch_alter_table('start_timers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_start_timers_next_due_at'), ['next_due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('start_timers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_start_timers_next_due_at'))
    op.drop_table('start_timers')
