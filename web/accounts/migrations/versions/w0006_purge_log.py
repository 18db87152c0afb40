"""The retention purge's audit (gallring): one append-only row per purge

Revision ID: w0006
Revises: w0005
Create Date: 2027-03-01 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.persistence.models

revision = 'w0006'
down_revision = 'w0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('purge_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('case_ids', sa.JSON(), nullable=False),
    sa.Column('access_log_rows', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('sandboxes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('purge_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purge_log_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('purge_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purge_log_at'))
    op.drop_table('purge_log')
