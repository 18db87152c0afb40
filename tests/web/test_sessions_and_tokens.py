"""Ending access: signing out ends the session on the server, so a copy of its cookie is worth
nothing; API tokens expire, can be revoked, and say so when refused; a deactivated user is shut
out of the pages and the API at once, and coming back does not bring old sessions back.

The accounts keep their own clock (the wall clock in the product); here it is simulated, so hours
and months pass without waiting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, text

from engine.clock import SimulatedClock
from engine.persistence.db import Database
from tests.web.browser import Person
from tests.web.conftest import Api
from web import create_app
from web.accounts.migrations import upgrade
from web.accounts.models import SessionRow, TokenRow, UserRow
from web.accounts.tokens import TokenRefused, token_hash
from web.accounts.users import Accounts

COOKIE = "samverkan_session"


@pytest.fixture
def wall_clock(start_of_journey: datetime) -> SimulatedClock:
    return SimulatedClock(start_of_journey)


@pytest.fixture
def app(database_url: str, start_of_journey: datetime, wall_clock: SimulatedClock) -> Iterator[Flask]:
    """The web app of tests/web/conftest.py, with the accounts on a simulated wall clock."""
    app = create_app({"DATABASE_URL": database_url, "SIMULATED_CLOCK": True, "CLOCK_START": start_of_journey,
                      "SECRET_KEY": "test", "TESTING": True,
                      "ACCOUNTS_CLOCK": wall_clock})
    yield app
    app.extensions["samverkan.engine"].db.dispose()


def accounts(app: Flask) -> Accounts:
    return app.extensions["samverkan.accounts"]


def copy_of_the_cookie(person: Person, app: Flask) -> Person:
    """Someone else's browser holding a copy of ``person``'s session cookie, as it is now."""
    cookie = person.client.get_cookie(COOKIE)
    assert cookie is not None
    thief = Person(app)
    thief.client.set_cookie(COOKIE, cookie.value)
    return thief


# --- sessions ------------------------------------------------------------------------------------


def test_a_session_cookie_copied_before_signing_out_does_not_work_after_it(api: Api, app: Flask) -> None:
    lena = Person(app, "lena")
    copy = copy_of_the_cookie(lena, app)
    assert copy.get("/inbox").status_code == 200  # the copy is as good as the original …

    assert lena.post("/logout").status_code == 302
    answer = copy.get("/inbox")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")  # … until she signs out
    assert lena.get("/inbox").status_code == 302


def test_signing_out_ends_only_that_session(api: Api, app: Flask) -> None:
    at_the_office, at_home = Person(app, "lena"), Person(app, "lena")
    at_the_office.post("/logout")
    assert at_home.get("/inbox").status_code == 200


def test_a_session_lasts_eight_hours_from_its_last_use(api: Api, app: Flask, wall_clock: SimulatedClock) -> None:
    lena = Person(app, "lena")
    copy = copy_of_the_cookie(lena, app)  # the server, not the cookie's own expiry, is what is tested
    for _ in range(3):  # a working day and more, with pauses under eight hours
        wall_clock.advance(timedelta(hours=7, minutes=50))
        assert copy.get("/inbox").status_code == 200
    wall_clock.advance(timedelta(hours=8, minutes=1))
    assert copy.get("/inbox").status_code == 302
    with accounts(app).db.transaction() as session:
        assert session.scalars(select(SessionRow)).all() == []  # and the ended session is gone


def test_deactivating_a_user_ends_their_sessions_and_activating_them_brings_none_back(api: Api, app: Flask) -> None:
    lena = Person(app, "lena")
    copy = copy_of_the_cookie(lena, app)
    assert accounts(app).set_active("lena", False) is True

    assert lena.get("/inbox").status_code == 302
    assert lena.sign_in("lena").status_code == 401
    refused = api.get("/cases", "lena")
    assert refused.status_code == 401
    assert refused.get_json()["message"] == "the account lena is deactivated; its API tokens do not work while it is"

    assert accounts(app).set_active("lena", True) is True
    assert copy.get("/inbox").status_code == 302  # the old session stays ended: sign in again
    assert api.get("/cases", "lena").status_code == 200  # an unexpired, unrevoked token works again
    assert Person(app, "lena").get("/inbox").status_code == 200


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


def test_a_tokens_last_use_is_kept_to_the_minute_without_a_write_on_every_request(
        api: Api, app: Flask, wall_clock: SimulatedClock) -> None:
    def last_used() -> datetime | None:
        with app.extensions["samverkan.accounts"].db.reading() as session:
            return session.scalar(select(TokenRow.last_used_at).join(UserRow, UserRow.id == TokenRow.user_id)
                                  .where(UserRow.username == "carl"))

    assert api.get("/cases", "carl").status_code == 200
    first = last_used()
    assert first == wall_clock.now()

    wall_clock.advance(timedelta(seconds=30))
    assert api.get("/cases", "carl").status_code == 200
    assert last_used() == first  # within the minute: nothing written

    wall_clock.advance(timedelta(seconds=31))
    assert api.get("/cases", "carl").status_code == 200
    assert last_used() == wall_clock.now()
