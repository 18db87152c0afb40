"""API tokens: issued for a number of days, and refused once they have expired, been revoked or
their user deactivated — each refusal saying which, so that whoever runs an integration knows
whether to ask for a new token or for their account.

A token is shown once, when issued; only its SHA-256 is stored. So it is revoked by its value (as
``samverkan token create`` printed it), or together with all of its user's tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from engine.clock import Clock
from engine.errors import InvalidInput, NotFound
from engine.persistence.db import Database
from web.accounts.identity import User, user_view
from web.accounts.models import TokenRow, UserRow

#: How long a new token works unless the operator says otherwise (SAMVERKAN_TOKEN_DAYS).
DEFAULT_DAYS = 90
#: The longest lifetime a token can be given: ten years is "for ever" in all but name.
MAX_DAYS = 3650
#: Every token begins so: a secret scanner knows one when it sees it, and no token begins with "-" for the
#: command line to take as an option (``samverkan token revoke TOKEN``).
TOKEN_PREFIX = "sv_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True)
class IssuedToken:
    value: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    """An API token as the administrators' page lists it (never its value: only its hash is kept)."""

    id: int
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked: bool

    def in_force(self, now: datetime) -> bool:
        return not self.revoked and self.expires_at > now


class TokenRefused(Exception):
    """A bearer token that does not let its holder in, and why (``reason``: unknown, expired,
    revoked, deactivated)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


#: A token's last use is written at most this often (administrators see it to the minute), so that an
#: API request that changes nothing writes nothing.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def shown(moment: datetime) -> str:
    """A moment as operators and integrators read it: ``2026-04-12 07:00 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


#: Built once: every API request asks it (building it again costs about as much as asking it). Plain
#: rows of the user's columns and the token's, not ORM objects: loading two entities into a session
#: cost about as much again as the query (docs/benchmarks.md, "CPU per request").
_USER_OF_TOKEN = (select(*UserRow.__table__.c, TokenRow.id.label("token_id"), TokenRow.revoked,
                         TokenRow.revoked_at, TokenRow.expires_at, TokenRow.last_used_at)
                  .join(TokenRow, TokenRow.user_id == UserRow.id)
                  .where(TokenRow.token_hash == bindparam("token_hash")))


class ApiTokens:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def issue(self, username: str, days: int = DEFAULT_DAYS) -> IssuedToken:
        """A new token for an active user, working for ``days`` days from now."""
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"a token lasts from 1 to {MAX_DAYS} days, not {days}", {"days": "invalid"})
        value = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        expires_at = now + timedelta(days=days)
        with self.db.transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username, UserRow.active.is_(True)))
            if row is None:
                raise NotFound(f"no active user {username}")
            session.add(TokenRow(user_id=row.id, token_hash=token_hash(value), created_at=now, expires_at=expires_at))
        return IssuedToken(value, expires_at)

    def user(self, value: str) -> User:
        """Whose token this is, if it is in force; :class:`TokenRefused` otherwise."""
        if not value or len(value) > 200:
            raise TokenRefused("unknown", "a valid bearer token is needed (Authorization: Bearer TOKEN)")
        now = self.clock.now()
        with self.db.reading() as session:  # an API request writes nothing, unless the last use is due below
            found = session.execute(_USER_OF_TOKEN, {"token_hash": token_hash(value)}).first()
            if found is None:
                raise TokenRefused("unknown", "a valid bearer token is needed (Authorization: Bearer TOKEN)")
            user = token = found
            if token.revoked:
                when = f" on {shown(token.revoked_at)}" if token.revoked_at else ""
                raise TokenRefused("revoked", f"this API token was revoked{when}; ask an administrator for a "
                                              "new one (samverkan token create)")
            if token.expires_at <= now:
                raise TokenRefused("expired", f"this API token expired on {shown(token.expires_at)}; ask an "
                                              "administrator for a new one (samverkan token create)")
            if not user.active:
                raise TokenRefused("deactivated", f"the account {user.username} is deactivated; its API tokens "
                                                  "do not work while it is")
            shown_user, last_used, token_id = user_view(user), token.last_used_at, token.token_id
        if last_used is None or last_used <= now - LAST_USED_PRECISION:
            with self.db.transaction() as session:
                session.execute(update(TokenRow).where(TokenRow.id == token_id).values(last_used_at=now))
        return shown_user

    def revoke(self, value: str) -> tuple[str, bool]:
        """Revoke the token with this value: whose it was, and whether it was in force until now
        (False: it had been revoked already)."""
        with self.db.transaction() as session:
            found = session.execute(select(UserRow.username, TokenRow).join(TokenRow, TokenRow.user_id == UserRow.id)
                                    .where(TokenRow.token_hash == token_hash(value.strip()))).first()
            if found is None:
                raise NotFound("no such API token (give its value, as 'samverkan token create' printed it)")
            username, token = found
            if token.revoked:
                return username, False
            token.revoked, token.revoked_at = True, self.clock.now()
            return username, True

    def revoke_all(self, username: str) -> int:
        """Revoke every token of the user that is not revoked yet; how many that was."""
        with self.db.transaction() as session:
            user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
            if user_id is None:
                raise NotFound(f"no user {username}")
            result = session.execute(update(TokenRow).where(TokenRow.user_id == user_id, TokenRow.revoked.is_(False))
                                     .values(revoked=True, revoked_at=self.clock.now()))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def of_user(self, username: str) -> list[TokenInfo]:
        """The user's tokens, newest first: created, expires, last used, revoked."""
        with self.db.reading() as session:
            rows = session.scalars(select(TokenRow).join(UserRow, TokenRow.user_id == UserRow.id)
                                   .where(UserRow.username == username)
                                   .order_by(TokenRow.created_at.desc(), TokenRow.id.desc()))
            return [TokenInfo(r.id, r.created_at, r.expires_at, r.last_used_at, r.revoked_at, bool(r.revoked))
                    for r in rows]

    def revoke_id(self, username: str, token_id: int) -> bool:
        """Revoke the user's token of this id (as the administrators' page lists it): whether it was
        in force until now. NotFound unless the user has a token of that id."""
        with self.db.transaction() as session:
            token = session.scalar(select(TokenRow).join(UserRow, TokenRow.user_id == UserRow.id)
                                   .where(UserRow.username == username, TokenRow.id == token_id))
            if token is None:
                raise NotFound(f"{username} has no API token {token_id}")
            if token.revoked:
                return False
            token.revoked, token.revoked_at = True, self.clock.now()
            return True
