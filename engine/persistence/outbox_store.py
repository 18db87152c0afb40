"""Every query of the outbox: deliveries and the mails they expand into.

Kept beside ``store.py`` (the cases, tasks and timers) so that neither grows past reading. Functions
take a session inside an open transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.persistence.models import DeliveryRow

#: What a worker may send: resolved to an address, due, and not leased (or the lease ran out).
PENDING = "pending"


def add_deliveries(session: Session, rows: Sequence[dict[str, Any]], *, skip_duplicates: bool = False) -> None:
    """Insert deliveries; with ``skip_duplicates`` a row whose dedupe key exists is left out (another
    worker, or an earlier run, wrote it: a person gets one mail per topic)."""
    if not rows:
        return
    statement: Any = insert(DeliveryRow)
    if skip_duplicates:
        dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = dialect_insert(DeliveryRow).on_conflict_do_nothing(index_elements=["dedupe_key"])
    session.execute(statement, list(rows))


def unresolved(session: Session, now: datetime, limit: int) -> list[tuple[str, str, str, str | None]]:
    """Deliveries of notifications not yet expanded into mails: (id, recipient_kind, recipient, process_key)."""
    rows = session.execute(
        select(DeliveryRow.id, DeliveryRow.recipient_kind, DeliveryRow.recipient, DeliveryRow.process_key)
        .where(DeliveryRow.status == PENDING, DeliveryRow.address.is_(None), DeliveryRow.next_attempt_at <= now)
        .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id).limit(limit)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def lock_unresolved(session: Session, ids: Sequence[str]) -> Sequence[DeliveryRow]:
    """Those of ``ids`` still waiting to be expanded, locked (rows another worker holds are skipped)."""
    return session.scalars(
        select(DeliveryRow).where(DeliveryRow.id.in_(list(ids)), DeliveryRow.status == PENDING,
                                  DeliveryRow.address.is_(None))
        .with_for_update(skip_locked=True)
    ).all()


def claim(session: Session, now: datetime, owner: str, lease_until: datetime, limit: int) -> Sequence[DeliveryRow]:
    """Lease up to ``limit`` due mails to ``owner``. A lease that ran out (its worker died or hung)
    is taken over; if that worker had begun handing the mail to the server, the new attempt is
    counted as uncertain."""
    rows = session.scalars(
        select(DeliveryRow)
        .where(DeliveryRow.status == PENDING, DeliveryRow.address.is_not(None), DeliveryRow.next_attempt_at <= now,
               or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until <= now))
        .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id).limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        if row.sending_since is not None:
            row.uncertain_sends += 1
            row.sending_since = None
            row.last_error = "a worker stopped while handing this mail to the server: it may have arrived already"
        row.lease_owner = owner
        row.lease_until = lease_until
        row.attempts += 1
        row.updated_at = now
    return rows


def _held(delivery_id: str, owner: str) -> Any:
    return and_(DeliveryRow.id == delivery_id, DeliveryRow.lease_owner == owner, DeliveryRow.status == PENDING)


def mark_sending(session: Session, delivery_id: str, owner: str, now: datetime, lease_until: datetime) -> bool:
    """Note that the mail is being handed to the server, renewing the lease; False if the lease was
    lost meanwhile (another worker took it over, or an operator discarded the mail)."""
    result = session.execute(
        update(DeliveryRow).where(_held(delivery_id, owner))
        .values(sending_since=now, lease_until=lease_until, updated_at=now).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def mark_sent(session: Session, delivery_id: str, owner: str, now: datetime) -> bool:
    result = session.execute(
        update(DeliveryRow).where(_held(delivery_id, owner))
        .values(status="sent", sent_at=now, sending_since=None, lease_owner=None, lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def mark_not_sent(session: Session, delivery_id: str, owner: str, now: datetime, error: str, *,
                  retry_at: datetime | None, uncertain: bool) -> bool:
    """Record a failed attempt: retry at ``retry_at``, or (None) give up and mark it failed."""
    values: dict[str, Any] = {
        "status": PENDING if retry_at is not None else "failed", "last_error": error[:4000],
        "sending_since": None, "lease_owner": None, "lease_until": None, "updated_at": now,
    }
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    if uncertain:
        values["uncertain_sends"] = DeliveryRow.uncertain_sends + 1
    result = session.execute(
        update(DeliveryRow).where(_held(delivery_id, owner)).values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def invitations_of(session: Session, case_id: str, task_ids: Sequence[str]) -> Sequence[DeliveryRow]:
    """The calendar invitations sent for these meeting tasks of a case: one row per notification,
    addressed as the engine knew the recipient (a user, a role), with the meeting."""
    topics = [f"invitation:{task_id}" for task_id in task_ids]
    return session.scalars(
        select(DeliveryRow).where(DeliveryRow.case_id == case_id, DeliveryRow.topic.in_(topics),
                                  DeliveryRow.parent_id.is_(None),
                                  DeliveryRow.kind == "invitation", DeliveryRow.calendar.is_not(None))
        .order_by(DeliveryRow.created_at, DeliveryRow.id)
    ).all()


def get_delivery(session: Session, delivery_id: str, *, lock: bool = False) -> DeliveryRow | None:
    query = select(DeliveryRow).where(DeliveryRow.id == delivery_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def list_deliveries(session: Session, *, statuses: Sequence[str] | None = None, case_id: str | None = None,
                    mails_only: bool = True, limit: int = 100) -> Sequence[DeliveryRow]:
    """Oldest due first for open work (pending), newest first otherwise."""
    query = select(DeliveryRow)
    if statuses is not None:
        query = query.where(DeliveryRow.status.in_(list(statuses)))
    if case_id is not None:
        query = query.where(DeliveryRow.case_id == case_id)
    if mails_only:
        query = query.where(DeliveryRow.address.is_not(None))
    order = (DeliveryRow.next_attempt_at, DeliveryRow.id) if statuses == [PENDING] else \
        (DeliveryRow.updated_at.desc(), DeliveryRow.id)
    return session.scalars(query.order_by(*order).limit(limit)).all()


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)).all()
    return {r[0]: int(r[1]) for r in rows}


def existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = list(keys[start:start + 500])
        found.update(session.scalars(select(DeliveryRow.dedupe_key).where(DeliveryRow.dedupe_key.in_(chunk))).all())
    return found


def oldest_due_delivery(session: Session, now: datetime) -> datetime | None:
    """When the longest-waiting due delivery became due (the delivery lag is measured from it)."""
    return session.scalar(
        select(func.min(DeliveryRow.next_attempt_at))
        .where(DeliveryRow.status == PENDING, DeliveryRow.next_attempt_at <= now)
    )
