"""The web app's accounts answer the engine's question "who is this recipient, and where do they
get mail": a user by name, a role within an intervention, nobody who has left."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.directory import Recipient
from engine.persistence.db import Database
from web.accounts.directory import AccountsDirectory
from web.accounts.migrations import upgrade
from web.accounts.models import UserRow
from web.accounts.users import Accounts


@pytest.fixture
def accounts(database_url: str) -> Iterator[Accounts]:
    db = Database(database_url)
    db.migrate()
    upgrade(db.engine)
    accounts = Accounts(db)
    accounts.add_user("lena", ["teamledare"], ["samverkansteamet"], None, "Lena Lind", email="lena@sofint.se")
    accounts.add_user("otto", ["teamledare", "arbetscoach"], ["samverkansteamet", "gemensamma_taget"], None,
                      "Otto Ek")
    accounts.add_user("per", ["teamledare"], ["gemensamma_taget"], None, "Per Pe", email="per@umea.se")
    accounts.add_user("rita", ["remittent"], [], None, "Rita Remittent", email="rita@fk.se")
    yield accounts
    db.dispose()


def test_a_role_is_everyone_with_it_in_that_intervention(accounts: Accounts) -> None:
    directory = AccountsDirectory(accounts.db)
    assert directory.addresses("group", "teamledare", "samverkansteamet") == [
        Recipient("lena", "Lena Lind", "lena@sofint.se"), Recipient("otto", "Otto Ek", None)]
    assert [r.username for r in directory.addresses("group", "teamledare", "gemensamma_taget")] == ["otto", "per"]
    assert directory.addresses("group", "styrgrupp", "samverkansteamet") == []


def test_a_user_is_found_by_name_wherever_they_work(accounts: Accounts) -> None:
    directory = AccountsDirectory(accounts.db)
    assert directory.addresses("user", "rita", "samverkansteamet") == [
        Recipient("rita", "Rita Remittent", "rita@fk.se")]
    assert directory.addresses("user", "nobody", None) == []


def test_people_who_left_get_nothing_and_changes_are_seen_after_a_while(accounts: Accounts) -> None:
    now = [0.0]
    directory = AccountsDirectory(accounts.db, ttl=30, monotonic=lambda: now[0])
    assert [p.username for p in directory.people()] == ["lena", "otto", "per", "rita"]
    with accounts.db.transaction() as session:
        session.query(UserRow).filter(UserRow.username == "lena").update({"active": False})
    now[0] = 29.0
    assert "lena" in [p.username for p in directory.people()]
    now[0] = 30.0
    assert directory.addresses("user", "lena", None) == []
    people = {p.username: p for p in directory.people()}
    assert people["otto"].teams == ("samverkansteamet", "gemensamma_taget") and people["otto"].email is None
