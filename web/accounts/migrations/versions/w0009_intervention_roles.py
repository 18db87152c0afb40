"""Roles per intervention: a user's roles held in one intervention only

Revision ID: w0009
Revises: w0008
Create Date: 2026-12-07 02:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'w0009'
down_revision = 'w0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every existing user holds no role in one intervention only: their roles mean what they meant.
    # A column added with its default fills the rows there are (no copy of the table, which the
    # tables pointing at users would forbid on SQLite).
    op.add_column('users', sa.Column('intervention_roles', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('intervention_roles')
