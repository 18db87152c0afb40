"""Roles per intervention: a user's roles held in one intervention only

Revision ID: w0009
Revises: w0007
Create Date: 2026-12-07 02:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'w0009'
down_revision = 'w0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intervention_roles', sa.JSON(), nullable=True))
    op.execute("UPDATE users SET intervention_roles = '{}'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('intervention_roles', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('intervention_roles')
