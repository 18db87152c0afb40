"""The delivery worker: from the outbox to the mail server.

One run does, in order:

1. **Expand**: each notification's delivery (addressed as the engine knows the recipient) becomes
   one mail per person with an e-mail address, looked up in the :class:`~engine.directory.Directory`.
   A person reached several ways (by name and by role) gets one mail; people without an address
   see the notification in the app only. Nothing about a participant whose consent is withdrawn
   (lapsed or revoked, :mod:`engine.views.consent`) is mailed: the delivery is ``skipped``.
2. **Digests** (:mod:`engine.notifications.digest`), once a day.
3. **Send**: due mails are leased to this worker (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
   any number of workers share the work; a lease a dead worker held is taken over once it runs
   out), and sent one by one over one SMTP connection. A mail is marked sent in the first
   transaction after the server has taken it (the one that also marks the next mail as being
   sent). A failure is retried later, each wait twice the last, and after ``max_attempts`` the mail
   is marked ``failed`` with the error — never dropped.

The one thing no sender can do alone is know, after a crash, whether the server took a mail it was
handing over. That window is kept to one mail's SMTP exchange and the commit after it: the row is
marked ``sending_since`` just before ``MAIL FROM``, and a worker that finds the mark under an
expired lease sends again and counts the attempt in ``uncertain_sends`` (an attempt that *may*
have delivered). Every copy has the same Message-ID.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.clock import Clock
from engine.directory import Directory, Recipient
from engine.language.timers import LOCAL_TZ
from engine.notifications import digest, outbox
from engine.notifications.mail import Connection, Mailer, MailError, Outgoing, compose
from engine.persistence import outbox_store, store
from engine.persistence.db import Database, Session
from engine.persistence.models import DeliveryRow
from engine.settings import DeliverySettings
from engine.views import DeliveryRun, consent

log = logging.getLogger("samverkan.delivery")

#: Why a notification about a person whose consent was withdrawn is not mailed (it stays in the app).
WITHHELD = "consent withdrawn (lapsed or revoked): no mail about the person, in-app only"


class _ConnectionLost(Exception):
    """The connection broke while sending one mail (whose outcome is recorded): the rest wait."""

    def __init__(self, error: MailError, outcome: str) -> None:
        super().__init__(error.message)
        self.error = error
        self.outcome = outcome


def worker_id() -> str:
    """A name for this process that no other worker has: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DeliveryWorker:
    def __init__(self, db: Database, clock: Clock, directory: Directory, mailer: Mailer,
                 settings: DeliverySettings | None = None, *, owner: str | None = None) -> None:
        self.db = db
        self.clock = clock
        self.directory = directory
        self.mailer = mailer
        self.settings = settings or DeliverySettings()
        self.owner = owner or worker_id()
        #: A mail the server has taken, to be marked sent in the very next transaction.
        self._accepted: str | None = None

    def run(self) -> DeliveryRun:
        """Expand, write the day's digests, and send every mail that is due."""
        expanded = self.expand()
        digests = 0
        if self.settings.digest_hour is not None:
            digests = digest.plan(self.db, self.directory, self.clock.now(), self.settings.digest_hour)
        total: Counter[str] = Counter()
        while True:
            done = self.send_batch()
            if done is None:
                break
            total.update(done)
        return DeliveryRun(expanded, digests, total["sent"], total["retried"], total["failed"])

    # --- expanding ------------------------------------------------------------------------------------

    def expand(self) -> int:
        """Turn the due notifications' deliveries into one mail per person; returns how many were
        expanded. The directory is asked outside any transaction (it may share the database)."""
        expanded = 0
        while True:
            now = self.clock.now()
            with self.db.transaction() as session:
                todo = outbox_store.unresolved(session, now, 200)
            if not todo:
                return expanded
            found: dict[tuple[str, str, str | None], list[Recipient] | Exception] = {}
            for _, kind, recipient, process_key in todo:
                key = (kind, recipient, process_key)
                if key not in found:
                    try:
                        found[key] = self.directory.addresses(kind, recipient, process_key)
                    except Exception as err:  # a directory failure waits for the next run, it drops nothing
                        log.exception("looking up %s %s failed", kind, recipient)
                        found[key] = err
            with self.db.transaction() as session:
                rows = outbox_store.lock_unresolved(session, [t[0] for t in todo])
                withheld = _consent_withdrawn(session, rows, now)
                mails = []
                for row in rows:
                    if row.case_id in withheld:
                        row.status, row.updated_at = "skipped", now
                        row.last_error = WITHHELD
                        continue
                    people = found[(row.recipient_kind, row.recipient, row.process_key)]
                    if isinstance(people, Exception):
                        row.next_attempt_at = now + self.settings.retry_delay(1)
                        row.last_error = f"the directory failed: {type(people).__name__}: {people}"
                        continue
                    mails += self._mails(row, people, now)
                    expanded += 1
                # In key order, so that two workers inserting the same people never wait on each other in a circle.
                mails.sort(key=lambda m: m["dedupe_key"])
                outbox_store.add_deliveries(session, mails, skip_duplicates=True)
            if not rows:
                return expanded  # what is left is being expanded by another worker

    def _mails(self, row: DeliveryRow, people: list[Recipient], now: datetime) -> list[dict[str, Any]]:
        reachable = [p for p in people if p.email]
        row.updated_at = now
        if not reachable:
            row.status = "skipped"
            if people:
                row.last_error = f"nobody to mail: {', '.join(p.username for p in people)} without an e-mail address " \
                                 "(in-app only)"
            else:
                row.last_error = f"nobody to mail: no active {row.recipient_kind} '{row.recipient}'"
            return []
        row.status = "expanded"
        return [
            outbox.mail_row(parent=row, kind=row.kind, topic=row.topic, username=p.username,
                            display_name=p.display_name, address=p.email or "", subject=row.subject, body=row.body,
                            now=now, case_id=row.case_id, process_key=row.process_key, calendar=row.calendar)
            for p in reachable
        ]

    # --- sending ----------------------------------------------------------------------------------------

    def send_batch(self) -> Counter[str] | None:
        """Lease and send one batch of due mails; None when there was nothing to take."""
        now = self.clock.now()
        with self.db.transaction() as session:
            rows = outbox_store.claim(session, now, self.owner, now + self.settings.lease, self.settings.batch)
            taken = [_outgoing(r) for r in rows]
            attempts = {r.id: r.attempts for r in rows}
        if not taken:
            return None
        outcomes: Counter[str] = Counter()
        remaining = list(taken)
        error: MailError | None = None
        try:
            with self.mailer.connect() as connection:
                while remaining:
                    mail = remaining.pop(0)
                    outcomes[self._send(connection, mail, attempts[mail.id])] += 1
        except MailError as err:  # the server could not be reached
            error = err
        except _ConnectionLost as lost:
            outcomes[lost.outcome] += 1
            error = lost.error
        with self.db.transaction() as session:
            self._mark_accepted(session)
        if error is not None:  # what was not tried waits for the server to come back
            for mail in remaining:
                outcomes[self._not_sent(mail.id, attempts[mail.id], MailError(error.message))] += 1
        return outcomes

    def _send(self, connection: Connection, mail: Outgoing, attempts: int) -> str:
        """Send one mail. The transaction that marks it as being sent also marks the mail before it
        (which the server has taken) as sent: one commit per mail, right after the server's yes."""
        settings = self.mailer.settings
        message = compose(mail, settings, base_url=self.settings.base_url, now=self.clock.now()).as_bytes()
        now = self.clock.now()
        with self.db.transaction() as session:
            self._mark_accepted(session)
            held = outbox_store.mark_sending(session, mail.id, self.owner, now, now + self.settings.lease)
        if not held:
            return "lost"  # taken over (this worker was too slow) or discarded by an operator
        try:
            connection.envelope(settings.from_address, mail.address)
            connection.data(message)
        except MailError as err:
            outcome = self._not_sent(mail.id, attempts, err)
            if err.connection_lost:
                raise _ConnectionLost(err, outcome) from err
            connection.reset()
            return outcome
        self._accepted = mail.id
        return "sent"

    def _mark_accepted(self, session: Session) -> None:
        if self._accepted is not None:
            if not outbox_store.mark_sent(session, self._accepted, self.owner, self.clock.now()):
                log.warning("mail %s was sent after its lease ran out; another worker may send it again",
                            self._accepted)
            self._accepted = None

    def _not_sent(self, delivery_id: str, attempts: int, error: MailError) -> str:
        now = self.clock.now()
        give_up = error.permanent or attempts >= self.settings.max_attempts
        retry_at = None if give_up else now + self.settings.retry_delay(attempts)
        with self.db.transaction() as session:
            outbox_store.mark_not_sent(session, delivery_id, self.owner, now, error.message, retry_at=retry_at,
                                       uncertain=error.uncertain)
        if give_up:
            log.warning("mail %s failed for good after %d attempt(s): %s", delivery_id, attempts, error.message)
        return "failed" if give_up else "retried"


def _consent_withdrawn(session: Session, rows: Sequence[DeliveryRow], now: datetime) -> set[str]:
    """The cases among ``rows``' whose participant's consent is withdrawn (engine.views.consent):
    nothing about them is mailed."""
    today = now.astimezone(LOCAL_TZ).date()
    data = store.case_data(session, [r.case_id for r in rows if r.case_id])
    return {case_id for case_id, values in data.items() if consent.withdrawn(values, today)}


def _outgoing(row: DeliveryRow) -> Outgoing:
    return Outgoing(row.id, row.address or "", row.display_name or row.username or "", row.subject, row.body,
                    row.created_at, row.case_id, row.calendar)
