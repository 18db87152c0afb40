from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from web.accounts.migrations import VERSION_TABLE
from web.accounts.models import AccountsBase

target_metadata = AccountsBase.metadata


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # Only the account tables: the engine's tables have their own migrations.
    return not (type_ == "table" and reflected and name not in target_metadata.tables)


def run() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          version_table=VERSION_TABLE, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
