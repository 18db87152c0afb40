"""The migrations build exactly the tables the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.persistence.db import Database
from engine.persistence.migrations import only_tables_of
from engine.persistence.models import Base
from web.accounts.migrations import upgrade as upgrade_accounts
from web.accounts.models import AccountsBase


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    upgrade_accounts(db.engine)
    with db.engine.connect() as connection:
        for metadata in (Base.metadata, AccountsBase.metadata):
            context = MigrationContext.configure(connection, opts={"include_object": only_tables_of(metadata)})
            assert compare_metadata(context, metadata) == []
    db.dispose()
