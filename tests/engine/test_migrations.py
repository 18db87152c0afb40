"""The migrations build exactly the tables the models describe, on every backend, and fill in what a
new column derives from the rows there are."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.persistence.db import Database
from engine.persistence.migrations import config, only_tables_of, upgrade
from engine.persistence.models import Base, CaseRow
from engine.spiff import state
from tests.engine.journey import Journey
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


def test_a_database_from_before_compressed_states_upgrades_and_its_cases_go_on(database_url: str,
                                                                                start_of_journey: datetime) -> None:
    journey = Journey(database_url, start_of_journey, restored=True)
    journey.deploy("referral_reply.bpmn")
    case = journey.start("referral_reply")
    journey.complete(case, "register_referral", {"remiss_inkom": "2026-01-12"})
    # Back to revision 0004: the state a text column holding the JSON, as every case was stored then
    # (and the revisions after 0005 undone).
    with journey.db.transaction() as session:
        row = session.get(CaseRow, case.id)
        text = state.json_text(row.state)
        row.state = text.encode()
    command.downgrade(config(journey.db.engine), "0005")
    with journey.db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ALTER TABLE cases ALTER COLUMN state TYPE text "
                                       "USING convert_from(state, 'UTF8')"))
        else:  # the column was TEXT, and is: what it holds was text
            connection.execute(sa.text("UPDATE cases SET state = CAST(state AS TEXT)"))
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))
        assert connection.execute(sa.text("SELECT state FROM cases")).scalar_one() == text

    journey.db.migrate()

    with journey.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": only_tables_of(Base.metadata)})
        assert compare_metadata(context, Base.metadata) == []
        assert connection.execute(sa.text("SELECT state FROM cases")).scalar_one() == text.encode()
    assert [t.name for t in journey.case(case).open_tasks] == ["assess"]
    assert journey.complete(case, "assess", {"beslut": "ja"}).status == "completed"
    with journey.db.reading() as session:
        assert state.json_text(session.get(CaseRow, case.id).state) != ""
    journey.db.dispose()


INSERT_VERSION = ("INSERT INTO process_versions (id, key, version, name, content_hash, sources, deployed_at, "
                  "deployed_by) VALUES (1, 'p', 1, 'P', 'x', '[]', :at, 'x')")


def test_the_searched_name_is_filled_in_for_the_cases_there_are(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db.engine, "0005")
    at = datetime(2026, 1, 5, tzinfo=UTC)
    with db.engine.begin() as connection:
        connection.execute(sa.text(INSERT_VERSION), {"at": at})
        for case_id, participant in (("a", '{"name": "Åsa  Öberg", "personnummer": "19900101-2384"}'),
                                     ("b", "{}")):
            connection.execute(sa.text(
                "INSERT INTO cases (id, process_key, process_version_id, process_version, status, participant, "
                "started_by, data, state, serializer_version, revision, waiting_messages, waiting_timers, "
                "created_at, updated_at) VALUES (:id, 'p', 1, 1, 'open', :participant, 'x', '{}', '', '', 1, "
                "'[]', '[]', :at, :at)"), {"id": case_id, "participant": participant, "at": at})
    db.migrate()
    with db.engine.connect() as connection:
        names = dict(connection.execute(sa.text("SELECT id, participant_name FROM cases")).all())
    assert names == {"a": "åsa öberg", "b": None}
    db.dispose()


def test_the_list_s_sort_keys_are_filled_in_for_the_cases_there_are(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db.engine, "0006")
    at = datetime(2026, 1, 5, tzinfo=UTC)
    with db.engine.begin() as connection:
        connection.execute(sa.text(INSERT_VERSION), {"at": at})
        for case_id, participant, key in (
                ("named", '{"name": "Åsa  Öberg"}', "199001012384"),
                ("protected", '{"name": "Bo Ek", "skyddad": true, "behoriga": ["tove"]}', "198501019876"),
                ("nobody", "{}", None)):
            connection.execute(sa.text(
                "INSERT INTO cases (id, process_key, process_version_id, process_version, status, participant, "
                "participant_key, participant_name, started_by, data, state, serializer_version, revision, "
                "waiting_messages, waiting_timers, created_at, updated_at) VALUES (:id, 'p', 1, 1, 'open', "
                ":participant, :key, NULL, 'x', '{}', '', '', 1, '[]', '[]', :at, :at)"),
                {"id": case_id, "participant": participant, "key": key, "at": at})
    db.migrate()
    with db.engine.connect() as connection:
        keys = {r[0]: (r[1], r[2]) for r in connection.execute(
            sa.text("SELECT id, participant_sort_name, participant_sort_key FROM cases"))}
    assert keys == {"named": ("åsa öberg", "199001012384"), "protected": ("", ""), "nobody": (None, None)}
    db.dispose()
