"""The engine's :class:`~engine.directory.Directory` over the web app's accounts.

A user is found by user name; a role within an intervention is every active user who holds the role
there: in all their interventions, the intervention among them, or in that intervention only. Users
without an e-mail address are returned too (with ``email`` None): they see their notifications in
the app only.

The delivery worker asks for the same few recipients over and over, so the active users are read
once and kept for a short while (``ttl`` seconds); a user added or changed is reached within that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import select

from engine.directory import Person, Recipient, interventions, members
from engine.persistence.db import Database
from web.accounts.identity import held_per_intervention
from web.accounts.models import UserRow


class AccountsDirectory:
    def __init__(self, db: Database, *, ttl: float = 30.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.ttl = ttl
        self._monotonic = monotonic
        self._people: list[Person] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def addresses(self, recipient_kind: str, recipient: str, process_key: str | None) -> list[Recipient]:
        return members(self.people(), recipient_kind, recipient, process_key)

    def people(self) -> list[Person]:
        with self._lock:
            if self._people is None or self._monotonic() - self._read_at >= self.ttl:
                self._people = self._read()
                self._read_at = self._monotonic()
            return list(self._people)

    def forget(self) -> None:
        """Read the accounts afresh on the next question."""
        with self._lock:
            self._people = None

    def _read(self) -> list[Person]:
        with self.db.reading() as session:  # a read: no write lock (SQLite's BEGIN IMMEDIATE)
            rows = session.scalars(select(UserRow).where(UserRow.active.is_(True)).order_by(UserRow.username)).all()
            found = []
            for r in rows:
                scoped = held_per_intervention(r)
                found.append(Person(r.username, r.display_name or r.username, (r.email or "").strip() or None,
                                    roles=tuple(r.roles or ()), teams=interventions(r.teams or (), scoped),
                                    intervention_roles=scoped))
            return found
