"""Password guessing is slowed down in proportion: a user name gets five guesses in a quarter of an
hour however many arrive at once; an address full of failures is slowed to a guess every few
seconds but never locks out the colleagues behind it; and behind a reverse proxy the address is
the client's, believed only from the proxies the operator named."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask

from engine.clock import SimulatedClock
from engine.persistence.db import Database
from tests.web.browser import Person
from tests.web.conftest import PASSWORD, Api
from web import create_app
from web.accounts.identity import User
from web.accounts.migrations import upgrade
from web.accounts.sign_in import ADDRESS_PAUSE, MAX_PER_ADDRESS, WINDOW, SignIn
from web.accounts.users import Accounts
from web.proxies import client_address, networks

NAT = "192.0.2.10"  # a municipality's one public address
ELSEWHERE = "198.51.100.7"


@pytest.fixture
def accounts(database_url: str) -> Iterator[Accounts]:
    db = Database(database_url)
    db.migrate()
    upgrade(db.engine)
    accounts = Accounts(db)
    for username in ("carl", "lena"):
        accounts.add_user(username, ["arbetscoach"], ["samverkansteamet"], PASSWORD)
    yield accounts
    db.dispose()


class HeldAtThePassword(Accounts):
    """The accounts, with every password check held until the test lets them go: it sees how
    many concurrent attempts got as far as having their password checked."""

    def __init__(self, accounts: Accounts, attempts: int) -> None:
        super().__init__(accounts.db, accounts.clock)
        self.attempts = attempts
        self.checked = 0
        self.refused = 0
        self.state = threading.Condition()
        self.release = threading.Event()

    def check_password(self, username: str, password: str) -> User | None:
        with self.state:
            self.checked += 1
            self.state.notify_all()
        self.release.wait(timeout=60)
        return super().check_password(username, password)

    def all_arrived(self) -> bool:
        with self.state:
            return self.state.wait_for(lambda: self.checked + self.refused == self.attempts, timeout=60)


def test_concurrent_guesses_cannot_get_a_sixth_past_the_limit(accounts: Accounts, start_of_journey: datetime) -> None:
    for guess in range(4):
        assert SignIn(accounts).attempt("carl", f"guess {guess}", ELSEWHERE, start_of_journey).user is None
    held = HeldAtThePassword(accounts, attempts=10)

    def guess(n: int) -> None:
        result = SignIn(held).attempt("carl", f"concurrent guess {n}", f"203.0.113.{n}", start_of_journey)
        if result.refused == "user":
            with held.state:
                held.refused += 1
                held.state.notify_all()

    guessers = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
    for thread in guessers:
        thread.start()
    assert held.all_arrived()
    held.release.set()
    for thread in guessers:
        thread.join()
    assert (held.checked, held.refused) == (1, 9)  # the fifth guess, and nine refused unchecked
    assert SignIn(accounts).attempt("carl", PASSWORD, ELSEWHERE, start_of_journey).refused == "user"
    after_the_window = start_of_journey + WINDOW + timedelta(seconds=1)
    assert SignIn(accounts).attempt("carl", PASSWORD, ELSEWHERE, after_the_window).user is not None


def test_failures_from_one_address_slow_it_down_but_lock_no_one_out(
        accounts: Accounts, start_of_journey: datetime) -> None:
    now = start_of_journey
    for n in range(MAX_PER_ADDRESS):  # someone behind the NAT tries twenty names, one guess each
        assert SignIn(accounts).attempt(f"guess.{n}", "sommar2026", NAT, now).refused is None
    assert SignIn(accounts).attempt("lena", PASSWORD, NAT, now).refused == "address"
    assert SignIn(accounts).attempt("lena", PASSWORD, ELSEWHERE, now).user is not None  # only that address

    now += ADDRESS_PAUSE  # seconds later, not a quarter of an hour
    assert SignIn(accounts).attempt("lena", PASSWORD, NAT, now).user is not None
    assert SignIn(accounts).attempt("guess.20", "sommar2026", NAT, now).refused is None
    assert SignIn(accounts).attempt("guess.21", "sommar2026", NAT, now + timedelta(seconds=1)).refused == "address"
    assert SignIn(accounts).attempt("carl", PASSWORD, NAT, now + ADDRESS_PAUSE).user is not None


def test_five_failures_for_a_name_still_stop_it_for_the_window(accounts: Accounts, start_of_journey: datetime) -> None:
    for n in range(5):
        assert SignIn(accounts).attempt("carl", f"guess {n}", f"203.0.113.{n}", start_of_journey).refused is None
    assert SignIn(accounts).attempt("carl", PASSWORD, ELSEWHERE, start_of_journey + WINDOW).refused == "user"
    after_the_window = start_of_journey + WINDOW + timedelta(seconds=1)
    assert SignIn(accounts).attempt("carl", PASSWORD, ELSEWHERE, after_the_window).user is not None


# --- behind a reverse proxy -----------------------------------------------------------------------


@pytest.mark.parametrize(("peer", "forwarded_for", "client"), [
    ("10.0.0.5", "192.0.2.10", "192.0.2.10"),  # through our proxy
    ("10.0.0.5", "6.6.6.6, 192.0.2.10", "192.0.2.10"),  # a made-up address before the one our proxy saw
    ("10.0.0.5", "192.0.2.10, 10.1.4.4", "192.0.2.10"),  # through two of our proxies
    ("192.0.2.10", "6.6.6.6", "192.0.2.10"),  # straight to the app: the header is not believed
    ("10.0.0.5", "", "10.0.0.5"),
    ("10.0.0.5", "not an address", "10.0.0.5"),
    ("10.0.0.5", "2001:db8::7", "2001:db8::7"),
])
def test_the_client_is_the_first_address_from_the_right_that_is_not_a_trusted_proxy(
        peer: str, forwarded_for: str, client: str) -> None:
    assert client_address(peer, forwarded_for, networks("10.0.0.5, 10.1.0.0/16")) == client


def test_a_trusted_proxy_setting_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(ValueError, match=r"not an IP address or network: 'proxy\.kommun\.se'"):
        networks("10.0.0.5 proxy.kommun.se")


@pytest.fixture
def app(database_url: str, start_of_journey: datetime) -> Iterator[Flask]:
    """The pages behind a reverse proxy on 127.0.0.1 (where the test client's requests come from),
    the accounts' clock standing still."""
    app = create_app({"DATABASE_URL": database_url, "SIMULATED_CLOCK": True, "CLOCK_START": start_of_journey,
                      "SECRET_KEY": "test", "TESTING": True,
                      "ACCOUNTS_CLOCK": SimulatedClock(start_of_journey), "TRUSTED_PROXIES": "127.0.0.1"})
    yield app
    app.extensions["samverkan.engine"].db.dispose()


def forwarded_for(app: Flask, address: str) -> Person:
    """Someone whose requests say, in X-Forwarded-For, that they come from ``address``."""
    person = Person(app)
    person.client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return person


def sign_in(person: Person, username: str, password: str) -> int:
    return person.post("/login", {"username": username, "password": password}).status_code


def test_behind_the_proxy_the_guessers_address_is_slowed_down_and_not_the_colleagues(api: Api, app: Flask) -> None:
    guesser = forwarded_for(app, "203.0.113.9")
    for n in range(MAX_PER_ADDRESS):
        assert sign_in(guesser, f"guess.{n}", "sommar2026") == 401
    assert sign_in(guesser, "lena", "sommar2026") == 429
    assert "Många misslyckade inloggningar från din adress. Vänta några sekunder" in guesser.text()

    colleague = forwarded_for(app, NAT)
    assert sign_in(colleague, "lena", PASSWORD) == 302
    assert colleague.get("/inbox").status_code == 200


def test_without_trusted_proxies_a_forwarded_for_header_changes_nothing(api: Api, database_url: str,
                                                                         start_of_journey: datetime) -> None:
    app = create_app({"DATABASE_URL": database_url, "SIMULATED_CLOCK": True, "CLOCK_START": start_of_journey,
                      "SECRET_KEY": "test", "TESTING": True, "ACCOUNTS_CLOCK": SimulatedClock(start_of_journey)})
    for n in range(MAX_PER_ADDRESS):  # a new made-up address for every guess
        assert sign_in(forwarded_for(app, f"203.0.113.{n}"), f"guess.{n}", "sommar2026") == 401
    assert sign_in(forwarded_for(app, "203.0.113.99"), "lena", "sommar2026") == 429
    app.extensions["samverkan.engine"].db.dispose()
