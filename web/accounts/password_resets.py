"""Password reset by one-time link: an administrator asks for a link for a user, the user opens it
and sets a new password. The link's secret is shown once; only its SHA-256 is stored. It works for
:data:`LIFETIME`, once, and only the newest link of a user works (asking again replaces it). A
deactivated user's link does not work. Setting the password ends the user's page sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from engine.clock import Clock
from engine.errors import InvalidInput, NotFound
from engine.persistence.db import Database
from web.accounts.models import PasswordResetRow, SessionRow, UserRow

#: How long a reset link works.
LIFETIME = timedelta(hours=24)
#: The shortest password accepted (as ``Accounts.set_password``).
MIN_LENGTH = 10


@dataclass(frozen=True)
class ResetLink:
    secret: str
    expires_at: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class PasswordResets:
    def __init__(self, db: Database, clock: Clock, hasher: object) -> None:
        self.db = db
        self.clock = clock
        self._hasher = hasher

    def issue(self, username: str, actor: str) -> ResetLink:
        """A new link for an active user; any earlier unused link of theirs stops working."""
        secret = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.db.transaction() as session:
            user_id = session.scalar(select(UserRow.id).where(UserRow.username == username,
                                                              UserRow.active.is_(True)))
            if user_id is None:
                raise NotFound(f"no active user {username}")
            session.execute(update(PasswordResetRow).where(PasswordResetRow.user_id == user_id,
                                                           PasswordResetRow.used_at.is_(None))
                            .values(expires_at=now))
            session.add(PasswordResetRow(user_id=user_id, token_hash=_hash(secret), created_by=actor,
                                         created_at=now, expires_at=now + LIFETIME))
        return ResetLink(secret, now + LIFETIME)

    def holder(self, secret: str) -> str | None:
        """Whose link this is, while it works (unused, unexpired, the user active); None otherwise."""
        if not secret or len(secret) > 200:
            return None
        with self.db.reading() as session:
            found = session.execute(select(UserRow.username, UserRow.active, PasswordResetRow)
                                    .join(PasswordResetRow, PasswordResetRow.user_id == UserRow.id)
                                    .where(PasswordResetRow.token_hash == _hash(secret))).first()
            if found is None:
                return None
            username, active, row = found
            if not active or row.used_at is not None or row.expires_at <= self.clock.now():
                return None
            return str(username)

    def use(self, secret: str, password: str) -> str:
        """Set the password through the link, once: whose it was. NotFound if the link does not
        work (any more); InvalidInput if the password is too short (the link still works)."""
        if len(password) < MIN_LENGTH:
            raise InvalidInput(f"a password needs at least {MIN_LENGTH} characters", {"password": "too short"})
        now = self.clock.now()
        with self.db.transaction() as session:
            found = session.execute(select(UserRow, PasswordResetRow)
                                    .join(PasswordResetRow, PasswordResetRow.user_id == UserRow.id)
                                    .where(PasswordResetRow.token_hash == _hash(secret))).first()
            if found is None:
                raise NotFound("no such password reset link")
            user, row = found
            if not user.active or row.used_at is not None or row.expires_at <= now:
                raise NotFound("the password reset link has expired or been used")
            used = session.execute(update(PasswordResetRow).where(PasswordResetRow.id == row.id,
                                                                  PasswordResetRow.used_at.is_(None))
                                   .values(used_at=now))
            if used.rowcount != 1:  # type: ignore[attr-defined]  # another request used it a moment ago
                raise NotFound("the password reset link has expired or been used")
            user.password_hash = self._hasher.hash(password)  # type: ignore[attr-defined]
            session.execute(delete(SessionRow).where(SessionRow.user_id == user.id))
            return str(user.username)
