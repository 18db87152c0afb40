"""The migrations build exactly the tables the models describe, on every backend."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.persistence.db import Database
from engine.persistence.migrations import only_tables_of
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
    # Back to revision 0004: the state a text column holding the JSON, as every case was stored then.
    with journey.db.transaction() as session:
        row = session.get(CaseRow, case.id)
        text = state.json_text(row.state)
        row.state = text.encode()
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
