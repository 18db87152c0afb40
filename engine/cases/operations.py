"""What the operations page shows and the operator's verbs on the outbox.

Reached as ``WorkflowEngine.operations``: ``overview()`` is the whole picture — timers due and not
yet fired, mails waiting, mails that failed with their error, and whether the scheduler keeps up
(every worker's last tick, and how long the oldest due timer and mail have waited);
``retry_delivery``/``discard_delivery`` act on one mail; ``record_tick`` is a worker's heartbeat.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from engine.clock import Clock
from engine.errors import NotFound
from engine.notifications import outbox
from engine.persistence import operations_store, outbox_store, start_timer_store
from engine.persistence.db import Database, Session
from engine.views import AutomaticStart, Delivery, OperationsOverview, SchedulerHealth, Timer, Worker

log = logging.getLogger("samverkan.operations")


def automatic_starts(session: Session) -> tuple[AutomaticStart, ...]:
    """The processes that open their cases themselves (timer start events), the next to open first."""
    return tuple(AutomaticStart(row.process_key, version, row.element, row.definition, row.next_due_at,
                                row.opened, row.skipped, row.last_error)
                 for row, version in start_timer_store.all_timers(session))


class Operations:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def overview(self, limit: int = 100) -> OperationsOverview:
        """The operations page: due timers, pending and failed mails, the scheduler's health."""
        now = self.clock.now()
        with self.db.reading() as session:
            timers = tuple(Timer(t.case_id, t.element, t.title, t.due_at)
                           for t in operations_store.due_timers(session, now, limit))
            due_count = operations_store.count_due_timers(session, now)
            pending = tuple(outbox.view(r) for r in outbox_store.list_deliveries(
                session, statuses=[outbox_store.PENDING], mails_only=False, limit=limit))
            failed = tuple(outbox.view(r) for r in outbox_store.list_deliveries(
                session, statuses=["failed"], limit=limit))
            counts = outbox_store.count_by_status(session)
            oldest_timer = operations_store.oldest_due_case(session, now)
            oldest_mail = outbox_store.oldest_due_delivery(session, now)
            workers = tuple(Worker(w.id, w.started_at, w.last_tick_at, w.ticks, w.last_error)
                            for w in operations_store.workers(session))
            automatic = automatic_starts(session)
        health = SchedulerHealth(
            last_tick_at=max((w.last_tick_at for w in workers), default=None),
            timer_lag=now - oldest_timer if oldest_timer is not None else timedelta(0),
            delivery_lag=now - oldest_mail if oldest_mail is not None else timedelta(0),
            workers=workers,
        )
        return OperationsOverview(now, timers, due_count, pending, failed, counts, health, automatic)

    def deliveries(self, *, status: str | None = None, case_id: str | None = None, mails_only: bool = True,
                   limit: int = 100) -> list[Delivery]:
        """Mails (one per person; with ``mails_only=False`` also the notifications' deliveries they
        were expanded from), pending ones next-due first, others newest first."""
        statuses: Sequence[str] | None = [status] if status else None
        with self.db.reading() as session:
            rows = outbox_store.list_deliveries(session, statuses=statuses, case_id=case_id, mails_only=mails_only,
                                                limit=limit)
            return [outbox.view(r) for r in rows]

    def delivery(self, delivery_id: str) -> Delivery:
        with self.db.reading() as session:
            row = outbox_store.get_delivery(session, delivery_id)
            if row is None:
                raise NotFound(f"delivery {delivery_id} does not exist")
            return outbox.view(row)

    def retry_delivery(self, delivery_id: str, actor: str) -> Delivery:
        """Send a failed or discarded mail again from its first attempt (after fixing the cause)."""
        with self.db.transaction() as session:
            done = outbox.retry(session, delivery_id, actor, self.clock.now())
        log.info("%s retried delivery %s", actor, delivery_id)
        return done

    def discard_delivery(self, delivery_id: str, actor: str) -> Delivery:
        """Give up on a pending or failed mail; the notification stays in the app."""
        with self.db.transaction() as session:
            done = outbox.discard(session, delivery_id, actor, self.clock.now())
        log.info("%s discarded delivery %s", actor, delivery_id)
        return done

    def record_tick(self, worker_id: str, error: str | None = None, *, ticks: int = 1, prune: bool = True) -> None:
        """A worker's heartbeat: its last tick and the ``ticks`` since its last heartbeat, what
        ``operations().scheduler`` reports. ``prune`` also drops the rows of workers long silent (a
        worker does that now and then, not on every heartbeat)."""
        with self.db.transaction() as session:
            operations_store.heartbeat(session, worker_id, self.clock.now(), error, ticks=ticks, prune=prune)
