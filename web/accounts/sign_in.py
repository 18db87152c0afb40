"""Signing in with a password, slowed down for guessers — in proportion to who is guessing.

- **Per user name**: after ``MAX_PER_USER`` attempts that did not succeed within ``WINDOW``, that
  name is refused until the window has passed. Each attempt is written down *before* its password
  is checked, in a transaction that takes the sign-in lock first (on SQLite every transaction holds
  the write lock; on PostgreSQL a transaction-scoped advisory lock), so that concurrent guesses
  are counted one after the other and a sixth cannot slip in while five are being checked.
- **Per address**: many people share one address (a municipality's NAT, an office's proxy), so
  failures from an address never lock it out. Past ``MAX_PER_ADDRESS`` within the window the
  address is slowed down instead: one attempt per ``ADDRESS_PAUSE``. A guesser trying many names
  from there gets a few guesses a minute; a colleague behind the same address waits seconds, not a
  quarter of an hour.

The address is the client's as the app sees it: behind a reverse proxy, set
``SAMVERKAN_TRUSTED_PROXIES`` so that the proxy's ``X-Forwarded-For`` is honoured (``web/proxies.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func, select

from engine.persistence.db import Session
from web.accounts.models import LoginFailureRow
from web.accounts.users import Accounts, User

WINDOW = timedelta(minutes=15)
MAX_PER_USER = 5
MAX_PER_ADDRESS = 20
ADDRESS_PAUSE = timedelta(seconds=10)
#: PostgreSQL's advisory lock for the attempts' bookkeeping (any number; "SignIn" in ASCII).
_LOCK_KEY = 0x5369676E496E

Refusal = Literal["user", "address"]


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    #: Why the attempt was refused unchecked: the user name's guesses are used up for the window
    #: ("user"), or its address must slow down ("address").
    refused: Refusal | None = None

    @property
    def throttled(self) -> bool:
        return self.refused is not None


class SignIn:
    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.db = accounts.db

    def attempt(self, username: str, password: str, address: str, now: datetime | None = None) -> SignInResult:
        now = now or self.accounts.clock.now()
        username = username.strip()[:100]
        address = (address or "-")[:64]
        with self.db.transaction() as session:
            self._one_at_a_time(session)
            refused = self._refusal(session, username, address, now)
            if refused is not None:
                return SignInResult(None, refused)
            # Counted from now on, as a failure until the password proves right.
            session.add(LoginFailureRow(at=now, username=username, address=address))
            session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < now - WINDOW))
        user = self.accounts.check_password(username, password) if username and password else None
        if user is not None:
            with self.db.transaction() as session:
                session.execute(delete(LoginFailureRow).where(LoginFailureRow.username == username))
        return SignInResult(user)

    def _one_at_a_time(self, session: Session) -> None:
        """Count and record attempts one transaction after the other. SQLite's transactions take
        the write lock when they begin; PostgreSQL needs to be told."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))

    def _refusal(self, session: Session, username: str, address: str, now: datetime) -> Refusal | None:
        since = now - WINDOW
        per_user = session.scalar(select(func.count()).where(
            LoginFailureRow.username == username, LoginFailureRow.at >= since)) or 0
        if per_user >= MAX_PER_USER:
            return "user"
        per_address, latest = session.execute(select(func.count(), func.max(LoginFailureRow.at)).where(
            LoginFailureRow.address == address, LoginFailureRow.at >= since)).one()
        if per_address >= MAX_PER_ADDRESS and latest is not None and now - latest < ADDRESS_PAUSE:
            return "address"
        return None
