"""Fixtures shared by every test: databases (SQLite always, PostgreSQL when configured) and clocks."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.mailbox import Mailbox

POSTGRES_URL = os.environ.get("SAMVERKAN_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]

logging.getLogger("spiff").setLevel(logging.WARNING)


def _fresh_postgres_schema(url: str) -> str:
    """An empty schema of this test process's own, so that test runs side by side never meet; the URL
    returned puts it first on the search path."""
    schema = f"samverkan_test_{os.getpid()}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or the test PostgreSQL database with a fresh schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'samverkan.sqlite3'}"
    else:
        assert POSTGRES_URL is not None
        yield _fresh_postgres_schema(POSTGRES_URL)


@pytest.fixture
def start_of_journey() -> datetime:
    """A Monday morning in Stockholm (07:00 UTC in winter)."""
    return datetime(2026, 1, 12, 7, 0, tzinfo=UTC)


@pytest.fixture(params=["straight", "restored"])
def journey(request: pytest.FixtureRequest, database_url: str, start_of_journey: datetime):  # type: ignore[no-untyped-def]
    """The engine driven step by step, once straight through and once restored between steps.

    A module that needs only one of them says so:
    ``pytestmark = pytest.mark.parametrize("journey", ["straight"], indirect=True)``."""
    from tests.engine.journey import Journey

    driver = Journey(database_url, start_of_journey, restored=request.param == "restored")
    yield driver
    driver.db.dispose()


@pytest.fixture
def referral(journey):  # type: ignore[no-untyped-def]
    """A referral registered on the first Monday (tests/bpmn/referral_reply.bpmn): the team owes
    the referrer a reply within two weeks; the team leader is reminded after 12 days and the
    escalation comes at day 14."""
    journey.deploy("referral_reply.bpmn")
    case = journey.start("referral_reply")
    journey.complete(case, "register_referral", {"remiss_inkom": "2026-01-12"})
    return case


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_schema_at_the_end() -> Iterator[None]:
    yield
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS samverkan_test_{os.getpid()} CASCADE"))
        engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Passwords hash with argon2's own parameters in the product (about a quarter of a second each,
    on purpose); here, with the cheapest, so that a test's users cost nothing to create. Only this
    fixture swaps the hasher: the product has no setting for it
    (``test_outside_the_tests_passwords_are_hashed_with_argon2s_own_parameters``)."""
    from argon2 import PasswordHasher

    from web.accounts import users

    production = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    users._hasher = production


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 keeping what it receives (see tests/mailbox.py)."""
    box = Mailbox().up()
    yield box
    box.down()
