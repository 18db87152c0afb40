"""Signing in with a password, slowed down for guessers: after too many failures for one user name
(or from one address) within a window, sign-in is refused until the window has passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from web.accounts.models import LoginFailureRow
from web.accounts.users import Accounts, User

WINDOW = timedelta(minutes=15)
MAX_PER_USER = 5
MAX_PER_ADDRESS = 20


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    throttled: bool = False


class SignIn:
    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.db = accounts.db

    def attempt(self, username: str, password: str, address: str, now: datetime | None = None) -> SignInResult:
        now = now or datetime.now(UTC)
        username = username.strip()[:100]
        address = (address or "-")[:64]
        if self._throttled(username, address, now):
            return SignInResult(None, throttled=True)
        user = self.accounts.check_password(username, password) if username and password else None
        with self.db.transaction() as session:
            if user is None:
                session.add(LoginFailureRow(at=now, username=username, address=address))
            else:
                session.execute(delete(LoginFailureRow).where(LoginFailureRow.username == username))
            session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < now - WINDOW))
        return SignInResult(user)

    def _throttled(self, username: str, address: str, now: datetime) -> bool:
        since = now - WINDOW
        with self.db.transaction() as session:
            per_user = session.scalar(select(func.count()).where(
                LoginFailureRow.username == username, LoginFailureRow.at >= since)) or 0
            per_address = session.scalar(select(func.count()).where(
                LoginFailureRow.address == address, LoginFailureRow.at >= since)) or 0
        return per_user >= MAX_PER_USER or per_address >= MAX_PER_ADDRESS
