from __future__ import annotations

from alembic import context

from engine.persistence.migrations import run_env
from web.accounts.migrations import VERSION_TABLE
from web.accounts.models import AccountsBase

run_env(context, AccountsBase.metadata, VERSION_TABLE)
