"""API tokens expire, and are revoked with a date

Revision ID: w0002
Revises: w0001
Create Date: 2027-01-18 09:00:00

Tokens made before this revision had no expiry. They are given one ninety days after the upgrade
(the default lifetime of a new token), so that integrations keep working while their tokens are
replaced, instead of all stopping at once or never.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import engine.persistence.models

revision = 'w0002'
down_revision = 'w0001'
branch_labels = None
depends_on = None

EXISTING_TOKENS_LAST = timedelta(days=90)


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', engine.persistence.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('revoked_at', engine.persistence.models.UTCDateTime(timezone=True),
                                      nullable=True))

    tokens = sa.table('api_tokens', sa.column('expires_at', engine.persistence.models.UTCDateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=datetime.now(UTC) + EXISTING_TOKENS_LAST))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=engine.persistence.models.UTCDateTime(timezone=True),
                              nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('expires_at')
