"""Connecting to the database: SQLite (the embedded default) or PostgreSQL, same behaviour.

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions, so that a read-then-write on a case
takes the write lock up front and concurrent writers queue instead of failing half-way. They queue
on a lock file beside the database (``flock``, see :func:`_configure_sqlite`), not in SQLite's busy
handler, which sleeps and retries and so let a waiting writer sleep on while the lock stood free.
PostgreSQL takes a row lock on the case (``SELECT … FOR UPDATE``) in :mod:`engine.persistence.store`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Database", "Session", "database_url"]

DEFAULT_SQLITE_PATH = Path("instance") / "samverkan.sqlite3"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``SAMVERKAN_DATABASE_URL``, else SQLite under ``instance/``."""
    if url:
        return url
    env = os.environ.get("SAMVERKAN_DATABASE_URL")
    if env:
        return env
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


class Database:
    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        self.engine: Engine = create_engine(self.url, **kwargs)
        reading: dict[str, Any] = {"reading": True}
        if self.is_sqlite:
            _configure_sqlite(self.engine, self.engine.url.database)
        else:
            _ping_when_idle(self.engine)
            # A transaction that only reads gains nothing on PostgreSQL: at READ COMMITTED each
            # statement reads its own snapshot either way. Without one, a read is spared the BEGIN
            # and the COMMIT, two round trips (docs/benchmarks.md, "PostgreSQL's round trips").
            reading["isolation_level"] = "AUTOCOMMIT"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.engine.execution_options(**reading), expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed if the block ends normally, rolled back if it raises. On
        SQLite it takes the write lock up front (``BEGIN IMMEDIATE``)."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A unit of work that only reads. On SQLite a transaction that begins deferred, so it reads
        a snapshot of the last commit and never waits for a writer (WAL), however long the writer's
        step runs; on PostgreSQL no transaction (autocommit): each statement reads the last commit,
        as it would at READ COMMITTED inside one."""
        session = self._readers()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision."""
        from engine.persistence.migrations import upgrade

        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine, path: str | None) -> None:
    # Writers, of this process and of others (a server's worker processes, its scheduler, a command
    # run beside them), queue for the write lock on a lock file, each connection with a descriptor
    # of its own: the kernel hands the lock on the moment it is released. Left to SQLite's busy
    # handler, a waiting writer sleeps and retries (1, 2, 5 … 100 ms), so under load the lock stood
    # free while its waiters slept, and some waited seconds. Readers take no lock (WAL snapshots).
    # The file lock is taken before ``BEGIN IMMEDIATE`` and let go when the connection returns to the
    # pool, after its commit or rollback; a process that dies lets go of it with its descriptors.
    lock_path = f"{path}.write-lock" if path and path != ":memory:" and not path.startswith("file:") else None
    locking = lock_path is not None and sys.platform != "win32"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        if lock_path is not None and locking:
            record.info["write_lock"] = _WriteLock(os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666))

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        reading = connection.get_execution_options().get("reading", False)
        if reading:
            connection.exec_driver_sql("BEGIN")
            return
        lock: _WriteLock | None = connection.connection._connection_record.info.get("write_lock")
        if lock is not None:
            lock.acquire()
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        lock: _WriteLock | None = record.info.get("write_lock")
        if lock is not None:
            lock.release()

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_connection: Any, record: Any) -> None:
        lock: _WriteLock | None = record.info.pop("write_lock", None)
        if lock is not None:
            lock.close()


#: A pooled PostgreSQL connection unused for longer than this is pinged before it is handed out.
IDLE_BEFORE_PING = 10.0


def _ping_when_idle(engine: Engine) -> None:
    # A connection that sat in the pool may have been closed by the server meanwhile (a restart, an
    # idle timeout): it is pinged before use, and replaced if the ping fails. Only after it sat idle
    # for a while: pinging every checkout (``pool_pre_ping``) cost a round trip per transaction, a
    # fifth of a one-statement read. A server restarted while connections are busy fails the
    # requests then under way once (nothing half-written: their transactions end with the server),
    # and the pool starts afresh (SQLAlchemy discards every connection of a pool that saw a
    # disconnect).
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < IDLE_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping's own transaction, if the driver began one
        except Exception as error:  # the driver's error for a connection the server closed
            raise DisconnectionError(f"a pooled connection no longer answers: {error}") from error


class _WriteLock:
    """One connection's hold on the database's lock file (an exclusive ``flock``; blocking, in the
    kernel, without the GIL)."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self.held = False

    def acquire(self) -> None:
        if not self.held:
            import fcntl

            fcntl.flock(self.descriptor, fcntl.LOCK_EX)
            self.held = True

    def release(self) -> None:
        if self.held:
            import fcntl

            fcntl.flock(self.descriptor, fcntl.LOCK_UN)
            self.held = False

    def close(self) -> None:
        os.close(self.descriptor)  # lets go of the lock as well
        self.held = False
