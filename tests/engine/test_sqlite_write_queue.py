"""On SQLite, writers queue for the write lock on a lock file beside the database (``flock``), handed
on by the kernel the moment it is free, instead of sleeping and retrying in SQLite's busy handler;
readers never take it. Several processes (a server's workers and its scheduler) share the queue."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.persistence.db import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with database.transaction() as session:
        session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        session.execute(text("INSERT INTO counter VALUES (0)"))
    yield database
    database.dispose()


def lock_is_free(db: Database) -> bool:
    """Whether another process could take the write lock now (a descriptor of our own, not kept)."""
    descriptor = os.open(f"{db.engine.url.database}.write-lock", os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True


def test_a_write_transaction_holds_the_lock_file_until_it_ends(db: Database) -> None:
    with db.transaction() as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
        assert not lock_is_free(db)
    assert lock_is_free(db)


def test_a_failed_write_transaction_lets_go_of_the_lock(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
        raise RuntimeError("the step failed")
    assert lock_is_free(db)
    with db.reading() as session:
        assert session.scalar(text("SELECT n FROM counter")) == 0


def test_reading_takes_no_lock(db: Database) -> None:
    with db.reading() as session:
        assert session.scalar(text("SELECT n FROM counter")) == 0
        assert lock_is_free(db)


def test_many_writers_of_two_databases_on_one_file_lose_nothing(db: Database) -> None:
    other = Database(db.url)  # as a second process would have: a pool of its own
    try:
        def add(database: Database) -> None:
            for _ in range(25):
                with database.transaction() as session:
                    n = session.scalar(text("SELECT n FROM counter"))
                    session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

        threads = [threading.Thread(target=add, args=(d,)) for d in (db, other) * 4]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        with db.reading() as session:
            assert session.scalar(text("SELECT n FROM counter")) == 200
    finally:
        other.dispose()
