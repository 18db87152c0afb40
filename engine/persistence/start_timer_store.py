"""The start timers of processes that open their cases themselves (table ``start_timers``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.persistence.models import ProcessVersionRow, StartTimerRow


def get(session: Session, process_key: str) -> StartTimerRow | None:
    return session.get(StartTimerRow, process_key)


def put(session: Session, row: StartTimerRow) -> None:
    """Add a new start timer or write a changed one."""
    session.add(row)
    session.flush()


def remove(session: Session, process_key: str) -> None:
    session.execute(delete(StartTimerRow).where(StartTimerRow.process_key == process_key))


def claim_next_due(session: Session, until: datetime, skip: Sequence[str] = ()) -> StartTimerRow | None:
    """Lock the start timer due earliest by ``until``, passing over those another worker holds
    (``SKIP LOCKED``; SQLite's ``BEGIN IMMEDIATE`` already keeps other writers out) and ``skip``."""
    query = select(StartTimerRow).where(StartTimerRow.next_due_at.is_not(None), StartTimerRow.next_due_at <= until)
    if skip:
        query = query.where(StartTimerRow.process_key.not_in(list(skip)))
    return session.scalars(
        query.order_by(StartTimerRow.next_due_at, StartTimerRow.process_key).limit(1).with_for_update(skip_locked=True)
    ).first()


def due_check(until: datetime):  # type: ignore[no-untyped-def]
    """An ``EXISTS`` for :func:`engine.persistence.store.anything_due`: a start timer due by ``until``."""
    return select(StartTimerRow.process_key).where(StartTimerRow.next_due_at <= until).exists()


def earliest(session: Session) -> datetime | None:
    return session.scalar(select(func.min(StartTimerRow.next_due_at)))


def all_timers(session: Session) -> list[tuple[StartTimerRow, int]]:
    """Every start timer with its version's number, the next due first (those that are done last)."""
    rows = session.execute(
        select(StartTimerRow, ProcessVersionRow.version)
        .join(ProcessVersionRow, ProcessVersionRow.id == StartTimerRow.process_version_id)
        .order_by(StartTimerRow.next_due_at.is_(None), StartTimerRow.next_due_at, StartTimerRow.process_key)
    ).all()
    return [(row[0], row[1]) for row in rows]
