"""An administrator at the command line: gives out API tokens that expire (and says when), takes
them back — one by its value, or all of a user's — and deactivates a user who has left, which
shuts them out at once, and activates them again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner, Result

from engine.persistence.db import Database
from samverkan.cli import main
from web.accounts.migrations import upgrade
from web.accounts.tokens import TokenRefused
from web.accounts.users import Accounts


@pytest.fixture
def accounts(database_url: str) -> Iterator[Accounts]:
    """Lena, a team leader, in a fresh database."""
    db = Database(database_url)
    db.migrate()
    upgrade(db.engine)
    accounts = Accounts(db)
    accounts.add_user("lena", ["teamledare"], ["samverkansteamet"], "correct horse battery", "Lena Lind")
    yield accounts
    db.dispose()


def samverkan(accounts: Accounts, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["--database", accounts.db.url, *args], env=env, input=stdin)


def refusal(accounts: Accounts, token: str) -> str | None:
    """Why the API would refuse this token (None: it would let its holder in)."""
    try:
        accounts.tokens.user(token)
    except TokenRefused as refused:
        return refused.reason
    return None


def lasts(run: Result) -> int:
    """For how many days from now the token of ``token create``'s output works (as shown: to the minute)."""
    assert run.exit_code == 0, run.output
    shown = run.output.split("valid until ")[1][:20]
    expires = datetime.strptime(shown, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    return round((expires - datetime.now(UTC)) / timedelta(days=1))


def test_a_new_token_works_for_ninety_days_and_says_until_when(accounts: Accounts) -> None:
    result = samverkan(accounts, "token", "create", "lena")
    assert lasts(result) == 90
    token = result.output.strip().splitlines()[-1]
    assert refusal(accounts, token) is None


def test_the_lifetime_is_set_by_samverkan_token_days_or_days(accounts: Accounts) -> None:
    assert lasts(samverkan(accounts, "token", "create", "lena", env={"SAMVERKAN_TOKEN_DAYS": "7"})) == 7
    assert lasts(samverkan(accounts, "token", "create", "lena", "--days", "1",
                           env={"SAMVERKAN_TOKEN_DAYS": "7"})) == 1

    never = samverkan(accounts, "token", "create", "lena", env={"SAMVERKAN_TOKEN_DAYS": "0"})
    assert never.exit_code == 2 and "0 is not in the range 1<=x<=3650" in never.output


def test_a_token_is_revoked_by_its_value(accounts: Accounts) -> None:
    leaked = samverkan(accounts, "token", "create", "lena").output.strip().splitlines()[-1]
    kept = samverkan(accounts, "token", "create", "lena").output.strip().splitlines()[-1]

    result = samverkan(accounts, "token", "revoke", leaked)
    assert result.exit_code == 0 and result.output == "API token of lena revoked\n"
    assert refusal(accounts, leaked) == "revoked" and refusal(accounts, kept) is None
    again = samverkan(accounts, "token", "revoke", leaked)
    assert again.exit_code == 0 and again.output == "that API token of lena was revoked already\n"


def test_a_token_read_from_standard_input_stays_out_of_the_shell_history(accounts: Accounts) -> None:
    leaked = samverkan(accounts, "token", "create", "lena").output.strip().splitlines()[-1]
    result = samverkan(accounts, "token", "revoke", "-", stdin=leaked + "\n")
    assert result.exit_code == 0 and "revoked" in result.output
    assert refusal(accounts, leaked) == "revoked"


def test_an_unknown_token_or_user_is_an_error(accounts: Accounts) -> None:
    result = samverkan(accounts, "token", "revoke", "no-such-token")
    assert result.exit_code == 1
    assert "no such API token (give its value, as 'samverkan token create' printed it)" in result.output
    assert samverkan(accounts, "token", "revoke", "--all", "nobody").output == "Error: no user nobody\n"


def test_all_of_a_users_tokens_are_revoked_with_all(accounts: Accounts) -> None:
    tokens = [samverkan(accounts, "token", "create", "lena").output.strip().splitlines()[-1] for _ in range(3)]
    samverkan(accounts, "token", "revoke", tokens[0])

    result = samverkan(accounts, "token", "revoke", "--all", "lena")
    assert result.exit_code == 0 and result.output == "2 API token(s) of lena revoked\n"
    assert [refusal(accounts, t) for t in tokens] == ["revoked"] * 3


def test_a_deactivated_user_cannot_sign_in_or_use_a_token_until_activated(accounts: Accounts) -> None:
    token = samverkan(accounts, "token", "create", "lena").output.strip().splitlines()[-1]
    session = accounts.sessions.start(accounts.user("lena"), timedelta(hours=8))

    result = samverkan(accounts, "user", "deactivate", "lena")
    assert result.exit_code == 0
    assert result.output == "user lena deactivated: signed out everywhere, API tokens refused\n"
    assert refusal(accounts, token) == "deactivated"
    assert accounts.sessions.user(session, timedelta(hours=8)) is None
    assert accounts.check_password("lena", "correct horse battery") is None
    assert samverkan(accounts, "token", "create", "lena").output == "Error: no active user lena\n"
    assert samverkan(accounts, "user", "deactivate", "lena").output == "user lena was deactivated already\n"

    result = samverkan(accounts, "user", "activate", "lena")
    assert result.exit_code == 0 and result.output == "user lena activated\n"
    assert refusal(accounts, token) is None
    assert accounts.sessions.user(session, timedelta(hours=8)) is None  # signing in again is needed
    assert accounts.check_password("lena", "correct horse battery") is not None
    assert samverkan(accounts, "user", "deactivate", "nobody").output == "Error: no user nobody\n"


def test_no_token_begins_like_an_option_of_the_command_line(accounts: Accounts) -> None:
    values = [samverkan(accounts, "token", "create", "lena").output.strip().splitlines()[-1] for _ in range(40)]
    assert all(value.startswith("sv_") for value in values)
    assert all(samverkan(accounts, "token", "revoke", value).exit_code == 0 for value in values)
