"""Sessions of the pages, kept server-side.

Flask's session is a signed cookie: signing out can only ask the browser to forget it, and a copy
taken before (a shared computer, a proxy's log, malware) would stay good until it expires. So the
cookie carries a random session id and the database keeps that id's SHA-256: a session is good
while its row exists and it has been used within its lifetime (8 hours, sliding, as the cookie's).
Signing out deletes the row; deactivating the user deletes all of theirs.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, select, update

from engine.clock import Clock
from engine.persistence.db import Database
from web.accounts.identity import User, user_view
from web.accounts.models import SessionRow, UserRow

#: A session's last use is written at most this often, so that reading pages does not mean
#: writing to the database on every request; its idle lifetime is kept to within this.
SEEN_PRECISION = timedelta(minutes=5)

#: Asked by every signed-in page, built once; plain rows of the session's time and the user's
#: columns, not ORM objects (docs/benchmarks.md, "CPU per request").
_USER_OF_SESSION = (select(SessionRow.seen_at, *UserRow.__table__.c).join(UserRow, UserRow.id == SessionRow.user_id)
                    .where(SessionRow.session_hash == bindparam("session_hash"), UserRow.active.is_(True)))


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class PageSessions:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def start(self, user: User, lifetime: timedelta) -> str:
        """A new session for a user who has just signed in: the id to put in the cookie. Sessions
        (anyone's) idle for longer than ``lifetime`` are cleared away meanwhile."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.db.transaction() as session:
            session.execute(delete(SessionRow).where(SessionRow.seen_at < now - lifetime))
            session.add(SessionRow(user_id=user.id, session_hash=_hash(session_id), started_at=now, seen_at=now))
        return session_id

    def user(self, session_id: str, lifetime: timedelta) -> User | None:
        """Whose session this is, if it has not ended (signed out, user deactivated, idle for
        longer than ``lifetime``)."""
        if not session_id or len(session_id) > 200:
            return None
        now = self.clock.now()
        with self.db.reading() as session:  # a page read writes nothing, unless the session is due below
            found = session.execute(_USER_OF_SESSION, {"session_hash": _hash(session_id)}).first()
            if found is None:
                return None
            seen_at, shown = found.seen_at, user_view(found)
        if seen_at < now - lifetime:
            self.end(session_id)
            return None
        if seen_at <= now - SEEN_PRECISION:
            with self.db.transaction() as session:
                session.execute(update(SessionRow).where(SessionRow.session_hash == _hash(session_id))
                                .values(seen_at=now))
        return shown

    def end(self, session_id: str) -> None:
        """Sign out: the session's cookie is worth nothing from now on, wherever a copy of it is."""
        with self.db.transaction() as session:
            session.execute(delete(SessionRow).where(SessionRow.session_hash == _hash(session_id)))
