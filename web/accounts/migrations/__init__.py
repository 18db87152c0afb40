"""Alembic migrations of the account tables (their own version table: ``web_alembic_version``)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine

from engine.persistence import migrations

HERE = Path(__file__).parent
VERSION_TABLE = "web_alembic_version"


def config(engine: Engine | None = None) -> Config:
    return migrations.config(engine, HERE)


def upgrade(engine: Engine, revision: str = "head") -> None:
    migrations.upgrade(engine, revision, HERE)
