"""Users bound to an OpenID Connect provider's identities (issuer, subject)

Revision ID: w0008
Revises: w0007
Create Date: 2026-12-07 02:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.persistence.models

revision = 'w0008'
down_revision = 'w0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oidc_identities',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', engine.persistence.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('issuer', 'subject', name='uq_oidc_identities')
    )
    with op.batch_alter_table('oidc_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_identities_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('oidc_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_identities_user_id'))
    op.drop_table('oidc_identities')
