"""Connecting to the database: SQLite (the embedded default) or PostgreSQL, same behaviour.

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions, so that a read-then-write on a case
takes the write lock up front and concurrent writers queue instead of failing half-way.
PostgreSQL takes a row lock on the case (``SELECT … FOR UPDATE``) in :mod:`engine.persistence.store`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
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
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.engine.execution_options(reading=True), expire_on_commit=False)

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
        """A transaction that only reads: on SQLite it begins deferred, so it reads a snapshot of the
        last commit and never waits for a writer (WAL), however long the writer's step runs."""
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


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        reading = connection.get_execution_options().get("reading", False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
