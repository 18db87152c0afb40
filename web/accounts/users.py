"""Creating users and tokens, and finding who a request belongs to."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from engine.errors import Conflict, InvalidInput, NotFound
from engine.persistence.db import Database
from web.accounts.models import ROLES, AccessLogRow, TokenRow, UserRow

_hasher = PasswordHasher()
STAFF_ROLES = frozenset(ROLES) - {"remittent", "processdesigner", "admin"}


@dataclass(frozen=True)
class User:
    """Who is acting: what the authorization rules look at."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    email: str | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_referrer(self) -> bool:
        return "remittent" in self.roles

    @property
    def is_staff(self) -> bool:
        return bool(STAFF_ROLES.intersection(self.roles))


def _view(row: UserRow) -> User:
    return User(row.id, row.username, row.display_name, tuple(row.roles), tuple(row.teams), row.email)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_user(self, username: str, roles: Sequence[str], teams: Sequence[str], password: str | None,
                 display_name: str | None = None, *, email: str | None = None) -> User:
        username = username.strip()
        if not username or len(username) > 100 or not username.replace(".", "").replace("-", "").replace(
                "_", "").isalnum():
            raise InvalidInput("a username uses letters, digits, '.', '-' and '_'", {"username": "invalid"})
        unknown = sorted(set(roles) - set(ROLES))
        if unknown or not roles:
            raise InvalidInput(f"unknown role(s): {', '.join(unknown) or '(none given)'}; roles: {', '.join(ROLES)}",
                               {"role": "invalid"})
        email = (email or "").strip() or None
        if email is not None and (len(email) > 254 or email.count("@") != 1 or " " in email
                                  or not all(email.split("@"))):
            raise InvalidInput(f"not an e-mail address: {email}", {"email": "invalid"})
        if password is not None and len(password) < 10:
            raise InvalidInput("a password needs at least 10 characters", {"password": "too short"})
        with self.db.transaction() as session:
            if session.scalar(select(UserRow).where(UserRow.username == username)) is not None:
                raise Conflict(f"the user {username} exists already")
            row = UserRow(username=username, display_name=display_name or username, roles=list(roles),
                          teams=list(teams), password_hash=_hasher.hash(password) if password else None, email=email,
                          active=True, created_at=datetime.now(UTC))
            session.add(row)
            session.flush()
            return _view(row)

    def user(self, username: str) -> User:
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username, UserRow.active.is_(True)))
            if row is None:
                raise NotFound(f"no user {username}")
            return _view(row)

    def set_password(self, username: str, password: str) -> None:
        if len(password) < 10:
            raise InvalidInput("a password needs at least 10 characters", {"password": "too short"})
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is None:
                raise NotFound(f"no user {username}")
            row.password_hash = _hasher.hash(password)

    def create_token(self, username: str) -> str:
        """A new API token for the user; shown once, stored only as a hash."""
        token = secrets.token_urlsafe(32)
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username, UserRow.active.is_(True)))
            if row is None:
                raise NotFound(f"no user {username}")
            session.add(TokenRow(user_id=row.id, token_hash=_token_hash(token), created_at=datetime.now(UTC)))
        return token

    def by_token(self, token: str) -> User | None:
        if not token or len(token) > 200:
            return None
        with self.db.transaction() as session:
            found = session.execute(
                select(UserRow, TokenRow).join(TokenRow, TokenRow.user_id == UserRow.id)
                .where(TokenRow.token_hash == _token_hash(token), TokenRow.revoked.is_(False),
                       UserRow.active.is_(True))
            ).first()
            if found is None:
                return None
            user, token_row = found
            token_row.last_used_at = datetime.now(UTC)
            return _view(user)

    def check_password(self, username: str, password: str) -> User | None:
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username, UserRow.active.is_(True)))
            if row is None or not row.password_hash:
                _hasher.hash(password)  # same work either way: no user enumeration by timing
                return None
            try:
                _hasher.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            return _view(row)

    def colleagues(self, teams: Sequence[str]) -> list[User]:
        """Active staff sharing at least one of these interventions: whom a task can be given to."""
        with self.db.transaction() as session:
            rows = session.scalars(select(UserRow).where(UserRow.active.is_(True)).order_by(UserRow.display_name))
            users = [_view(r) for r in rows]
        return [u for u in users if set(u.teams) & set(teams) and u.is_staff]

    def mark_notifications_seen(self, username: str, at: datetime) -> None:
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is not None:
                row.notifications_seen_at = at

    def notifications_seen_at(self, username: str) -> datetime | None:
        with self.db.transaction() as session:
            return session.scalar(select(UserRow.notifications_seen_at).where(UserRow.username == username))

    def log_access(self, username: str, case_id: str, action: str, at: datetime) -> None:
        """Append to the access log: who read or changed which case's personal data, and when."""
        with self.db.transaction() as session:
            session.add(AccessLogRow(at=at, username=username, case_id=case_id, action=action))
