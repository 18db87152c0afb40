"""The migrations build exactly the tables the models describe, on every backend, and fill in what a
new column derives from the rows there are."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from engine.persistence.db import Database
from engine.persistence.migrations import only_tables_of, upgrade
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


def test_the_searched_name_is_filled_in_for_the_cases_there_are(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db.engine, "0004")
    at = datetime(2026, 1, 5, tzinfo=UTC)
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO process_versions (id, key, version, name, content_hash, sources, deployed_at, deployed_by) "
            "VALUES (1, 'p', 1, 'P', 'x', '[]', :at, 'x')"), {"at": at})
        for case_id, participant in (("a", '{"name": "Åsa  Öberg", "personnummer": "19900101-2384"}'),
                                     ("b", "{}")):
            connection.execute(text(
                "INSERT INTO cases (id, process_key, process_version_id, process_version, status, participant, "
                "started_by, data, state, serializer_version, revision, waiting_messages, waiting_timers, "
                "created_at, updated_at) VALUES (:id, 'p', 1, 1, 'open', :participant, 'x', '{}', '', '', 1, "
                "'[]', '[]', :at, :at)"), {"id": case_id, "participant": participant, "at": at})
    db.migrate()
    with db.engine.connect() as connection:
        names = dict(connection.execute(text("SELECT id, participant_name FROM cases")).all())
    assert names == {"a": "åsa öberg", "b": None}
    db.dispose()
