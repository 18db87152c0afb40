"""Alembic migrations of the engine's schema, run programmatically (no alembic.ini needed).

Other layers that keep tables in the same database (the web app's accounts) use the same helpers
with their own script folder and version table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, create_engine

HERE = Path(__file__).parent


def config(engine: Engine | None = None, script_location: Path = HERE) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head", script_location: Path = HERE) -> None:
    command.upgrade(config(engine, script_location), revision)


def only_tables_of(metadata: MetaData) -> Any:
    """An ``include_object`` for Alembic: this metadata's tables (and their indexes) only, since
    other layers keep tables in the same database under their own migrations."""

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table":
            return name in metadata.tables
        table = getattr(obj, "table", None)
        return table is None or table.name in metadata.tables

    return include_object


def run_env(context: Any, metadata: MetaData, version_table: str = "alembic_version") -> None:
    """The body of an ``env.py``: migrate the given metadata's tables, and only those."""
    include_object = only_tables_of(metadata)

    engine = context.config.attributes.get("engine")
    if engine is None:
        engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                          version_table=version_table, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
