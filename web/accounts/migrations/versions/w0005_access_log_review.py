"""The access log records the client's address; a period's spot check of it is marked reviewed

Revision ID: w0005
Revises: w0004
Create Date: 2027-02-15 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.persistence.models

revision = 'w0005'
down_revision = 'w0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=64), nullable=True))
    op.create_table('access_log_reviews',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('period_first', sa.Date(), nullable=False),
    sa.Column('period_last', sa.Date(), nullable=False),
    sa.Column('access_log_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=100), nullable=False),
    sa.Column('reviewed_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['access_log_id'], ['access_log.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period_first', 'period_last', 'access_log_id', name='uq_access_log_reviews')
    )
    with op.batch_alter_table('access_log_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_log_reviews_access_log_id'), ['access_log_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_reviews_period_first'), ['period_first'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('access_log_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_reviews_period_first'))
        batch_op.drop_index(batch_op.f('ix_access_log_reviews_access_log_id'))
    op.drop_table('access_log_reviews')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_column('address')
