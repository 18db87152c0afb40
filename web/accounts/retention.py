"""Retention (gallring) beside the engine's: the web's own rows about purged cases, the access log
past its own retention, and the purge's audit.

The engine's purge (``engine.retention``) removes the personal data of closed cases past their
retention; this store hands it a hook that, in the same transaction, deletes the cases' notes and
task comments (``case_notes``) and the read marks of their notifications (``notification_reads``),
deletes the access log's rows older than the log's retention (with their review marks), and writes
the purge's audit row (``purge_log``). The dry run lists exactly what the purge then removes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from engine.api import WorkflowEngine
from engine.persistence.db import Session
from engine.sandbox import Sandboxes
from engine.settings import RetentionSettings
from engine.views.retention import DueCase, PurgePlan
from web.accounts.models import (
    AccessLogReviewRow,
    AccessLogRow,
    CaseNoteRow,
    NotificationReadRow,
    PurgeLogRow,
)

#: Who a scheduled purge is audited as.
SCHEDULER = "scheduler"
CHUNK = 500
#: A draft's sandbox (its test cases) untouched this long is discarded by the purge.
SANDBOX_IDLE = timedelta(days=90)


@dataclass(frozen=True)
class Plan:
    """What a purge at ``at`` removes: the cases (their personal data) and the access log's rows
    written before ``log_before``."""

    at: datetime
    cases: tuple[DueCase, ...]
    log_before: datetime
    access_log_rows: int
    #: Drafts' sandboxes untouched for :data:`SANDBOX_IDLE` (their files go).
    sandboxes: tuple[str, ...] = ()

    @property
    def case_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.cases)

    def by_process(self) -> dict[str, list[str]]:
        return PurgePlan(self.at, self.cases).by_process()


@dataclass(frozen=True)
class Purge:
    """One purge as audited."""

    id: int
    at: datetime
    actor: str
    cases: int
    case_ids: dict[str, list[str]]
    access_log_rows: int
    settings: dict[str, Any]
    sandboxes: list[str]


def _purge(row: PurgeLogRow) -> Purge:
    return Purge(row.id, row.at, row.actor, row.cases, {k: list(v) for k, v in row.case_ids.items()},
                 row.access_log_rows, dict(row.settings), list(row.sandboxes))


def described(settings: RetentionSettings) -> dict[str, Any]:
    return {"by_process": dict(settings.by_process), "default": settings.default,
            "access_log_years": settings.access_log_years}


class Retention:
    """The dry run, the purge and its audit, under one set of :class:`RetentionSettings`."""

    def __init__(self, engine: WorkflowEngine, settings: RetentionSettings, sandboxes: Sandboxes | None = None) -> None:
        self.engine = engine
        self.db = engine.db
        self.settings = settings
        self.sandboxes = sandboxes

    def _idle_sandboxes(self, at: datetime) -> tuple[str, ...]:
        return tuple(self.sandboxes.idle(at - SANDBOX_IDLE)) if self.sandboxes is not None else ()

    def plan(self, at: datetime | None = None) -> Plan:
        """The dry run: what a purge now would remove."""
        cases = self.engine.retention.plan(self.settings, at)
        log_before = self.settings.cutoff(cases.at, self.settings.access_log_years)
        with self.db.reading() as session:
            rows = int(session.scalar(select(func.count()).select_from(AccessLogRow)
                                      .where(AccessLogRow.at < log_before)) or 0)
        return Plan(cases.at, cases.cases, log_before, rows, self._idle_sandboxes(cases.at))

    def purge(self, actor: str = SCHEDULER, at: datetime | None = None) -> Purge:
        """Purge everything the dry run lists and audit it, in one transaction; the idle sandboxes
        named in the audit row are discarded once it is committed."""
        done: list[Purge] = []

        def web_rows(session: Session, plan: PurgePlan, who: str) -> None:
            done.append(self._purge_web_rows(session, plan, who))

        self.engine.retention.purge(self.settings, actor, [web_rows], at)
        if self.sandboxes is not None:
            for name in done[0].sandboxes:
                self.sandboxes.discard(name)
        return done[0]

    def daily(self) -> Purge | None:
        """The scheduler's purge, once a day (UTC) whichever worker runs it and however often it is
        restarted (a cron ``worker --until-idle``): None when a scheduled purge is audited today."""
        now = self.engine.clock.now()
        with self.db.reading() as session:
            today = session.scalar(select(PurgeLogRow.id).where(
                PurgeLogRow.actor == SCHEDULER, PurgeLogRow.at >= datetime.combine(now.date(), time(0), UTC)).limit(1))
        return None if today is not None else self.purge(SCHEDULER, now)

    def _purge_web_rows(self, session: Session, plan: PurgePlan, actor: str) -> Purge:
        ids = list(plan.case_ids)
        for first in range(0, len(ids), CHUNK):
            chunk = ids[first:first + CHUNK]
            session.execute(delete(CaseNoteRow).where(CaseNoteRow.case_id.in_(chunk)))
            notifications = self.engine.retention.notification_ids(session, chunk)
            for start in range(0, len(notifications), CHUNK):
                session.execute(delete(NotificationReadRow).where(
                    NotificationReadRow.notification_id.in_(notifications[start:start + CHUNK])))
        log_before = self.settings.cutoff(plan.at, self.settings.access_log_years)
        old = select(AccessLogRow.id).where(AccessLogRow.at < log_before)
        session.execute(delete(AccessLogReviewRow).where(AccessLogReviewRow.access_log_id.in_(old)))
        gone = session.execute(delete(AccessLogRow).where(AccessLogRow.at < log_before)).rowcount  # type: ignore[attr-defined]
        row = PurgeLogRow(at=plan.at, actor=actor, cases=len(ids), case_ids=plan.by_process(),
                          access_log_rows=int(gone or 0), settings=described(self.settings),
                          sandboxes=list(self._idle_sandboxes(plan.at)))
        session.add(row)
        session.flush()
        return _purge(row)

    def purges(self, limit: int = 100) -> list[Purge]:
        """The audit: the latest purges, newest first."""
        with self.db.reading() as session:
            return [_purge(r) for r in session.scalars(
                select(PurgeLogRow).order_by(PurgeLogRow.at.desc(), PurgeLogRow.id.desc()).limit(limit))]
