"""Retention (gallring): closed cases past their retention lose their personal data.

A purged case stays as an anonymous tombstone: its row keeps its id, process, version, status and
dates (so the access log's and the purge audit's case ids still name a process and a closing date,
and the deployed version's history stays whole) and loses everything else — participant, data,
stored workflow state (``state`` becomes ``""``, which is also what marks the row purged), incident
and waiting lists. Its history events keep what happened and when, without their details; its task
rows, timers, notifications and their mails (the outbox) are deleted; what it sent to or received
from other cases loses its data. The follow-up's rows (``follow_up``, ``follow_up_contacts``) are
not touched: they have no foreign key and hold no personal data, so the förbund's figures survive.

The purge is one transaction: the hooks the caller gives (the web's notes, notification reads,
access log and the purge's audit row) run in it, so either everything is purged and audited, or
nothing is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from engine.clock import Clock
from engine.persistence.db import Database, Session
from engine.persistence.models import (
    CaseEventRow,
    CaseMessageRow,
    CaseRow,
    DeliveryRow,
    HumanTaskRow,
    NotificationRow,
    TaskCandidateRow,
    TimerRow,
)
from engine.settings import RetentionSettings
from engine.views.retention import DueCase, PurgePlan

#: Statuses of a closed case.
CLOSED = ("completed", "cancelled")
#: Case ids per statement (well inside every database's parameter limit).
CHUNK = 500

#: Run inside the purge's transaction, before the engine's tables are erased (so a hook still finds
#: the notifications about the cases): (session, what was purged, who purged).
PurgeHook = Callable[[Session, PurgePlan, str], None]


def _due(settings: RetentionSettings, now: datetime) -> Any:
    """The condition a closed, not yet purged case past its retention meets (None: no case is due)."""
    terms = [and_(CaseRow.process_key == key, CaseRow.closed_at < settings.cutoff(now, years))
             for key, years in sorted(settings.by_process.items())]
    if settings.default is not None:
        terms.append(and_(CaseRow.process_key.not_in(sorted(settings.by_process)),
                          CaseRow.closed_at < settings.cutoff(now, settings.default)))
    if not terms:
        return None
    return and_(CaseRow.status.in_(CLOSED), CaseRow.closed_at.is_not(None), CaseRow.state != b"", or_(*terms))


def due_cases(session: Session, settings: RetentionSettings, now: datetime, *, lock: bool = False) -> list[DueCase]:
    condition = _due(settings, now)
    if condition is None:
        return []
    query = (select(CaseRow.id, CaseRow.process_key, CaseRow.status, CaseRow.closed_at).where(condition)
             .order_by(CaseRow.closed_at, CaseRow.id))
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return [DueCase(r.id, r.process_key, r.status, r.closed_at) for r in session.execute(query)]


def erase(session: Session, case_ids: Sequence[str], now: datetime) -> None:
    """Remove the personal data of these cases (closed ones: they have no open task or timer left,
    but what there is goes too)."""
    for first in range(0, len(case_ids), CHUNK):
        ids = list(case_ids[first:first + CHUNK])
        session.execute(update(CaseRow).where(CaseRow.id.in_(ids)).values(
            participant={}, participant_key=None, participant_name=None, participant_sort_name=None,
            participant_sort_key=None, data={}, state=b"", incident=None,
            waiting_messages=[], waiting_timers=[], next_due_at=None, updated_at=now))
        session.execute(update(CaseEventRow).where(CaseEventRow.case_id.in_(ids)).values(details={}))
        tasks = select(HumanTaskRow.id).where(HumanTaskRow.case_id.in_(ids))
        session.execute(delete(TaskCandidateRow).where(TaskCandidateRow.task_id.in_(tasks)))
        session.execute(delete(HumanTaskRow).where(HumanTaskRow.case_id.in_(ids)))
        session.execute(delete(TimerRow).where(TimerRow.case_id.in_(ids)))
        notifications = select(NotificationRow.id).where(NotificationRow.case_id.in_(ids))
        mails = or_(DeliveryRow.case_id.in_(ids), DeliveryRow.notification_id.in_(notifications))
        session.execute(delete(DeliveryRow).where(DeliveryRow.parent_id.in_(select(DeliveryRow.id).where(mails))))
        session.execute(delete(DeliveryRow).where(mails))
        session.execute(delete(NotificationRow).where(NotificationRow.case_id.in_(ids)))
        session.execute(update(CaseMessageRow).where(or_(
            CaseMessageRow.sender_case_id.in_(ids), CaseMessageRow.to_case.in_(ids),
            CaseMessageRow.delivered_to.in_(ids))).values(data={}))


def notification_ids(session: Session, case_ids: Sequence[str]) -> list[str]:
    """The notifications about these cases (what the web's read marks point at)."""
    found: list[str] = []
    for first in range(0, len(case_ids), CHUNK):
        found += session.scalars(select(NotificationRow.id).where(
            NotificationRow.case_id.in_(list(case_ids[first:first + CHUNK]))))
    return found


class Retention:
    """``engine.retention``: the dry run and the purge."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def plan(self, settings: RetentionSettings, at: datetime | None = None) -> PurgePlan:
        """What a purge now (or at ``at``) would remove: the dry run."""
        now = at or self.clock.now()
        with self.db.reading() as session:
            return PurgePlan(now, tuple(due_cases(session, settings, now)))

    def purge(self, settings: RetentionSettings, actor: str, hooks: Sequence[PurgeHook] = (),
              at: datetime | None = None) -> PurgePlan:
        """Remove the personal data of every case the dry run lists, run the hooks, all in one
        transaction; returns what was purged (a second purge finds nothing)."""
        now = at or self.clock.now()
        with self.db.transaction() as session:
            plan = PurgePlan(now, tuple(due_cases(session, settings, now, lock=True)))
            for hook in hooks:
                hook(session, plan, actor)
            erase(session, plan.case_ids, now)
        return plan

    @staticmethod
    def notification_ids(session: Session, case_ids: Sequence[str]) -> list[str]:
        """The notifications about these cases, in a purge's transaction (for a hook)."""
        return notification_ids(session, case_ids)
