"""On PostgreSQL a read runs without a transaction (each statement reads the last commit, as at READ
COMMITTED inside one), and a pooled connection the server closed while it sat idle is replaced
before anyone uses it, where every checkout used to pay a ping."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from engine.persistence import db as db_module
from engine.persistence.db import Database
from tests.conftest import POSTGRES_URL, _fresh_postgres_schema

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs SAMVERKAN_TEST_POSTGRES_URL")


@pytest.fixture
def db() -> Iterator[Database]:
    assert POSTGRES_URL is not None
    database = Database(_fresh_postgres_schema(POSTGRES_URL))
    with database.transaction() as session:
        session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        session.execute(text("INSERT INTO counter VALUES (0)"))
    yield database
    database.dispose()


def sent(database: Database) -> list[str]:
    """What the connections send from now on, as the driver gets it."""
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_rest: statements.append(statement.strip().split()[0].upper()))
    return statements


def backend_pid(database: Database) -> int:
    with database.reading() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_read_begins_no_transaction_and_a_write_does(db: Database) -> None:
    with db.reading() as session:
        assert session.execute(text("SELECT now() = statement_timestamp()")).scalar_one() is True
    with db.transaction() as session:
        session.execute(text("SELECT pg_sleep(0.01)"))
        assert session.execute(text("SELECT now() = statement_timestamp()")).scalar_one() is False
        session.execute(text("UPDATE counter SET n = n + 1"))
    with db.reading() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 1


def test_a_read_sees_what_was_committed_and_nothing_that_was_rolled_back(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        session.execute(text("UPDATE counter SET n = 41"))
        raise RuntimeError("the step failed")
    with db.reading() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 0
    with db.transaction() as session:
        session.execute(text("UPDATE counter SET n = 42"))
    with db.reading() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 42


def test_a_connection_used_a_moment_ago_is_not_pinged(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    backend_pid(db)
    pings: list[object] = []
    ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda connection: pings.append(connection) or ping(connection))
    statements = sent(db)
    with db.reading() as session:
        session.execute(text("SELECT 2")).all()
    with db.transaction() as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
    assert statements == ["SELECT", "UPDATE"] and pings == []


def test_a_connection_the_server_closed_while_idle_is_replaced_before_use(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    first = backend_pid(db)
    assert POSTGRES_URL is not None
    killer = Database(POSTGRES_URL)
    try:
        with killer.transaction() as session:  # as a restart or an idle timeout would
            assert session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
    finally:
        killer.dispose()
    monkeypatch.setattr(db_module, "IDLE_BEFORE_PING", 0.0)  # it has sat idle long enough

    assert backend_pid(db) != first  # the read got a new connection and no error
    with db.transaction() as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
    with db.reading() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 1


def test_a_connection_the_server_closed_a_moment_ago_fails_once_and_the_next_read_reconnects(db: Database) -> None:
    first = backend_pid(db)
    assert POSTGRES_URL is not None
    killer = Database(POSTGRES_URL)
    try:
        with killer.transaction() as session:  # the server restarted while the connection was in use
            assert session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
    finally:
        killer.dispose()

    with pytest.raises(DBAPIError) as failed, db.transaction() as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
    assert failed.value.connection_invalidated
    assert backend_pid(db) != first
    with db.reading() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 0  # nothing half-written
