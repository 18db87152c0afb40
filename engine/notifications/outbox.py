"""The outbox: a notification and its deliveries are written in one transaction.

Whatever writes a notification — the deadline watcher (reminders, escalations), a case step (a
model's notice, a meeting's invitation) — calls :func:`write` inside its own transaction. Each
notification is the in-app message itself, and gets one delivery per channel (today: ``email``),
still addressed as the engine knows the recipient (a user name, or a role in an intervention).
The delivery worker (:mod:`engine.notifications.delivery`) later expands it into one mail per person.

Operators look at and act on deliveries through :func:`retry` and :func:`discard` (by way of
``WorkflowEngine.retry_delivery``/``discard_delivery``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.errors import Conflict, NotFound
from engine.persistence import outbox_store, store
from engine.persistence.db import Session
from engine.persistence.models import DeliveryRow
from engine.views import Delivery

CHANNELS = ("email",)


@dataclass(frozen=True)
class NewNotification:
    """A notification to write: the in-app message, and what its deliveries carry.

    ``recipient`` is how the engine knows the person: ``("user", name)`` or ``("group", role)``.
    ``topic`` names what it is about (a task's escalation, one notice), so that a person addressed
    several ways (by name and by role) gets one mail about it; ``dedupe_key`` makes a second write
    of the same notification impossible. ``at`` is when it is dated (a deadline that passed while
    the system was down keeps its own moment)."""

    kind: str
    case_id: str
    task_id: str | None
    process_key: str
    recipient: tuple[str, str]
    subject: str
    body: str
    at: datetime
    dedupe_key: str
    topic: str
    calendar: Mapping[str, Any] | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def addressed_to(self) -> str:
        """The recipient as the history names it: ``user:lena``, ``group:teamledare``."""
        return f"{self.recipient[0]}:{self.recipient[1]}"


def write(session: Session, notifications: Sequence[NewNotification], now: datetime) -> None:
    """Insert the notifications and, for each, a delivery per channel, in the caller's transaction."""
    if not notifications:
        return
    store.add_notifications(session, [
        {
            "id": n.id, "kind": n.kind, "case_id": n.case_id, "task_id": n.task_id, "process_key": n.process_key,
            "recipient_kind": n.recipient[0], "recipient": n.recipient[1], "subject": n.subject[:500],
            "body": n.body, "created_at": n.at, "dedupe_key": n.dedupe_key[:300],
        }
        for n in notifications
    ])
    outbox_store.add_deliveries(session, [
        {
            "id": str(uuid.uuid4()), "notification_id": n.id, "parent_id": None, "kind": n.kind,
            "channel": channel, "topic": n.topic[:200], "case_id": n.case_id, "process_key": n.process_key,
            "recipient_kind": n.recipient[0], "recipient": n.recipient[1], "username": None,
            "display_name": None, "address": None, "subject": n.subject[:500], "body": n.body,
            "calendar": dict(n.calendar) if n.calendar else None, "status": outbox_store.PENDING, "attempts": 0,
            "next_attempt_at": min(n.at, now), "lease_owner": None, "lease_until": None,
            "sending_since": None, "uncertain_sends": 0, "last_error": None, "created_at": now,
            "updated_at": now, "sent_at": None, "handled_by": None, "dedupe_key": f"{n.id}:{channel}",
        }
        for n in notifications for channel in CHANNELS
    ])


def mail_row(*, parent: DeliveryRow | None, kind: str, topic: str, username: str, display_name: str, address: str,
             subject: str, body: str, now: datetime, case_id: str | None = None, process_key: str | None = None,
             calendar: Mapping[str, Any] | None = None, status: str = outbox_store.PENDING,
             note: str | None = None) -> dict[str, Any]:
    """One mail to one person. Its dedupe key is the topic and the person: one mail each per topic."""
    return {
        "id": str(uuid.uuid4()), "notification_id": parent.notification_id if parent else None,
        "parent_id": parent.id if parent else None, "kind": kind, "channel": "email", "topic": topic,
        "case_id": case_id, "process_key": process_key, "recipient_kind": "user", "recipient": username,
        "username": username, "display_name": display_name, "address": address, "subject": subject, "body": body,
        "calendar": dict(calendar) if calendar else None, "status": status, "attempts": 0, "next_attempt_at": now,
        "lease_owner": None, "lease_until": None, "sending_since": None, "uncertain_sends": 0, "last_error": note,
        "created_at": now, "updated_at": now, "sent_at": None, "handled_by": None,
        "dedupe_key": f"{topic}:email:{username}"[:300],
    }


def view(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id, kind=row.kind, channel=row.channel, status=row.status, case_id=row.case_id,
        process_key=row.process_key, recipient_kind=row.recipient_kind, recipient=row.recipient,
        username=row.username, address=row.address, subject=row.subject, attempts=row.attempts,
        uncertain_sends=row.uncertain_sends, next_attempt_at=row.next_attempt_at, last_error=row.last_error,
        created_at=row.created_at, sent_at=row.sent_at, handled_by=row.handled_by, notification_id=row.notification_id,
        lease_owner=row.lease_owner, lease_until=row.lease_until,
    )


def retry(session: Session, delivery_id: str, actor: str, now: datetime) -> Delivery:
    """Send a failed (or discarded) mail again, from the first attempt."""
    row = _mail(session, delivery_id)
    if row.status not in ("failed", "discarded"):
        raise Conflict(f"delivery {delivery_id} is {row.status}; only a failed or discarded one can be retried")
    row.status = outbox_store.PENDING
    row.attempts = 0
    row.next_attempt_at = now
    row.lease_owner = row.lease_until = None
    row.handled_by = actor
    row.updated_at = now
    return view(row)


def discard(session: Session, delivery_id: str, actor: str, now: datetime) -> Delivery:
    """Give up on a pending or failed mail (the in-app notification stays)."""
    row = _mail(session, delivery_id)
    if row.status not in (outbox_store.PENDING, "failed"):
        raise Conflict(f"delivery {delivery_id} is {row.status}; only a pending or failed one can be discarded")
    if row.sending_since is not None and row.lease_until is not None and row.lease_until > now:
        raise Conflict(f"delivery {delivery_id} is being handed to the mail server right now; try again shortly")
    row.status = "discarded"
    row.lease_owner = row.lease_until = None
    row.handled_by = actor
    row.updated_at = now
    return view(row)


def _mail(session: Session, delivery_id: str) -> DeliveryRow:
    row = outbox_store.get_delivery(session, delivery_id, lock=True)
    if row is None:
        raise NotFound(f"delivery {delivery_id} does not exist")
    return row
