"""API tokens expire, can be revoked, and say so when refused.

The accounts keep their own clock (the wall clock in the product); here it is simulated, so hours
and months pass without waiting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import text

from engine.clock import SimulatedClock
from engine.persistence.db import Database
from tests.web.conftest import Api
from web import create_app
from web.accounts.migrations import upgrade
from web.accounts.tokens import TokenRefused, token_hash
from web.accounts.users import Accounts


@pytest.fixture
def wall_clock(start_of_journey: datetime) -> SimulatedClock:
    return SimulatedClock(start_of_journey)


@pytest.fixture
def app(database_url: str, start_of_journey: datetime, wall_clock: SimulatedClock) -> Iterator[Flask]:
    """The web app of tests/web/conftest.py, with the accounts on a simulated wall clock."""
    app = create_app({"DATABASE_URL": database_url, "SIMULATED_CLOCK": True, "CLOCK_START": start_of_journey,
                      "SECRET_KEY": "test", "TESTING": True, "PARTICIPANT_PROCESSES": ("referral_reply",),
                      "ACCOUNTS_CLOCK": wall_clock})
    yield app
    app.extensions["samverkan.engine"].db.dispose()


def accounts(app: Flask) -> Accounts:
    return app.extensions["samverkan.accounts"]


# --- API tokens -----------------------------------------------------------------------------------


def test_an_api_token_works_for_ninety_days_and_then_says_it_has_expired(
        api: Api, app: Flask, wall_clock: SimulatedClock) -> None:
    wall_clock.advance(timedelta(days=89, hours=23))
    assert api.get("/cases", "carl").status_code == 200
    wall_clock.advance(timedelta(hours=1))
    answer = api.get("/cases", "carl")
    assert answer.status_code == 401
    assert answer.get_json()["message"] == ("this API token expired on 2026-04-12 07:00 UTC; ask an administrator "
                                            "for a new one (samverkan token create)")
    assert api.get("/cases", "carl").status_code == 401  # and stays expired


def test_a_token_can_be_given_a_shorter_life(api: Api, app: Flask, wall_clock: SimulatedClock) -> None:
    issued = accounts(app).tokens.issue("carl", days=7)
    assert issued.expires_at == wall_clock.now() + timedelta(days=7)
    wall_clock.advance(timedelta(days=7))
    headers = {"Authorization": f"Bearer {issued.value}"}
    assert api.client.get("/api/v1/cases", headers=headers).status_code == 401
    assert api.get("/cases", "carl").status_code == 200  # the fixture's 90-day token still works


def test_a_revoked_token_is_refused_and_says_so(api: Api, app: Flask, wall_clock: SimulatedClock) -> None:
    second = accounts(app).tokens.issue("carl").value
    wall_clock.advance(timedelta(days=3))
    assert accounts(app).tokens.revoke(api.tokens["carl"]) == ("carl", True)
    answer = api.get("/cases", "carl")
    assert answer.status_code == 401
    assert answer.get_json()["message"] == ("this API token was revoked on 2026-01-15 07:00 UTC; ask an "
                                            "administrator for a new one (samverkan token create)")
    assert api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    assert accounts(app).tokens.revoke(api.tokens["carl"]) == ("carl", False)  # once is enough

    assert accounts(app).tokens.revoke_all("carl") == 1
    assert api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    assert api.get("/cases", "lena").status_code == 200  # nobody else's


def test_an_unknown_token_gets_the_same_answer_as_before(api: Api) -> None:
    answer = api.client.get("/api/v1/cases", headers={"Authorization": "Bearer not-a-token"})
    assert answer.status_code == 401
    assert answer.get_json()["message"] == "a valid bearer token is needed (Authorization: Bearer TOKEN)"
    assert api.client.get("/api/v1/cases").status_code == 401


def test_tokens_made_before_tokens_expired_work_for_ninety_days_after_the_upgrade(database_url: str) -> None:
    """Integrations keep working while their tokens are replaced: neither all stopping at once nor never."""
    db = Database(database_url)
    db.migrate()
    upgrade(db.engine, "w0001")
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO users (id, username, display_name, roles, teams, active, created_at) "
                                "VALUES (1, 'lena', 'Lena', '[\"teamledare\"]', '[]', :yes, :at)"),
                           {"yes": True, "at": datetime(2025, 1, 1, tzinfo=UTC)})
        connection.execute(text("INSERT INTO api_tokens (user_id, token_hash, created_at, revoked) "
                                "VALUES (1, :hash, :at, :no)"),
                           {"hash": token_hash("made in 2025"), "at": datetime(2025, 1, 1, tzinfo=UTC), "no": False})
    upgraded_at = datetime.now(UTC)
    upgrade(db.engine)

    wall_clock = SimulatedClock(upgraded_at + timedelta(days=89))
    tokens = Accounts(db, wall_clock).tokens
    assert tokens.user("made in 2025").username == "lena"
    wall_clock.advance(timedelta(days=1, minutes=1))
    with pytest.raises(TokenRefused, match="this API token expired on"):
        tokens.user("made in 2025")
    db.dispose()
