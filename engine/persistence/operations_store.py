"""The queries of the operations view beyond the outbox: timers due and not yet fired, and the
scheduler workers' heartbeats. Functions take a session inside an open transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.orm import Session

from engine.persistence.models import CaseRow, TimerRow, WorkerRow

# --- timers as the operations view shows them ---------------------------------------------------


def due_timers(session: Session, now: datetime, limit: int) -> Sequence[TimerRow]:
    """Timers due by ``now`` and not yet fired, of cases the scheduler would fire (open, no incident)."""
    return session.scalars(
        select(TimerRow).join(CaseRow, CaseRow.id == TimerRow.case_id)
        .where(TimerRow.due_at <= now, CaseRow.next_due_at.is_not(None))
        .order_by(TimerRow.due_at, TimerRow.id).limit(limit)
    ).all()


def count_due_timers(session: Session, now: datetime) -> int:
    return int(session.scalar(
        select(func.count()).select_from(TimerRow).join(CaseRow, CaseRow.id == TimerRow.case_id)
        .where(TimerRow.due_at <= now, CaseRow.next_due_at.is_not(None))
    ) or 0)


def oldest_due_case(session: Session, now: datetime) -> datetime | None:
    return session.scalar(select(func.min(CaseRow.next_due_at)).where(CaseRow.next_due_at <= now))


# --- workers ----------------------------------------------------------------------------------------


def heartbeat(session: Session, worker_id: str, now: datetime, error: str | None, *, ticks: int = 1,
              prune: bool = True, forget_after: timedelta = timedelta(days=1)) -> None:
    """Record a worker's last tick and the ``ticks`` it ran since its last heartbeat: one statement
    when its row exists. With ``prune``, rows of workers silent for ``forget_after`` are dropped
    too. On PostgreSQL the commit does not wait for the write-ahead log to reach the disk: a
    heartbeat lost in a crash is harmless (the next one is written within seconds), and waiting for
    the flush was half the cost of writing one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))
    table = cast(Table, WorkerRow.__table__)
    updated = session.execute(
        update(table).where(table.c.id == worker_id)
        .values(last_tick_at=now, ticks=table.c.ticks + ticks, last_error=error)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(WorkerRow(id=worker_id, started_at=now, last_tick_at=now, ticks=ticks, last_error=error))
    if not prune:
        return
    gone = session.scalars(  # rows another worker is pruning right now are left to it
        select(WorkerRow.id).where(WorkerRow.last_tick_at < now - forget_after, WorkerRow.id != worker_id)
        .with_for_update(skip_locked=True)
    ).all()
    if gone:
        session.execute(delete(WorkerRow).where(WorkerRow.id.in_(list(gone))))


def workers(session: Session) -> Sequence[WorkerRow]:
    return session.scalars(select(WorkerRow).order_by(WorkerRow.last_tick_at.desc(), WorkerRow.id)).all()
