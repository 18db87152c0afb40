"""The access log's store: who read or changed which case's personal data, when and from where, and
the marks of its review (HSLF-FS 2016:40).

Append-only by construction: this module adds rows and reads them, and has no function that changes
or deletes one (a test checks its names and that rows read back as written). Retention
(``accounts/retention.py``) is the one way out, past the log's own years, and is itself audited.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, insert, select

from engine.errors import Conflict, NotFound
from engine.persistence.db import Database, Session
from web.accounts.models import AccessLogReviewRow, AccessLogRow

#: The log's days are Swedish days: a period "1–31 January" is Stockholm's January.
ZONE = ZoneInfo("Europe/Stockholm")
#: What counts as a read (the spot check samples reads): the case page, a task's page, the full number.
READS = ("case.read", "task.read", "personnummer.shown")


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    username: str
    case_id: str
    action: str
    address: str | None


@dataclass(frozen=True)
class Search:
    """Which entries: every field given narrows (None: no condition). ``case_ids`` is the
    participant's cases (empty: none match); ``first``/``last`` are days, both included."""

    username: str | None = None
    case_ids: tuple[str, ...] | None = None
    first: date | None = None
    last: date | None = None
    reads_only: bool = False


@dataclass(frozen=True)
class Mark:
    access_log_id: int
    reviewed_by: str
    reviewed_at: datetime
    note: str


def start_of(day: date) -> datetime:
    """The moment a Swedish day begins."""
    return datetime.combine(day, time(0), ZONE)


def _entry(row: AccessLogRow) -> Entry:
    return Entry(row.id, row.at, row.username, row.case_id, row.action, row.address)


def _where(query: Select, s: Search) -> Select:
    if s.username:
        query = query.where(AccessLogRow.username == s.username)
    if s.case_ids is not None:
        query = query.where(AccessLogRow.case_id.in_(list(s.case_ids)))
    if s.first is not None:
        query = query.where(AccessLogRow.at >= start_of(s.first))
    if s.last is not None:
        query = query.where(AccessLogRow.at < start_of(s.last + timedelta(days=1)))
    if s.reads_only:
        query = query.where(AccessLogRow.action.in_(READS))
    return query


class AccessLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def append(self, username: str, case_id: str, action: str, at: datetime, address: str | None = None) -> None:
        """A new entry: who read or changed which case's personal data, when, from which address."""
        with self.db.transaction() as session:
            self.add(session, username, case_id, action, at, address)

    def writer(self, username: str, action: str, address: str | None) -> Callable[[Session, str], None]:
        """An entry for the change of a case, to be added in the change's transaction (given the
        session and the case's id), at the moment it is written."""
        return lambda session, case_id: self.add(session, username, case_id, action, datetime.now(UTC), address)

    @staticmethod
    def add(session: Session, username: str, case_id: str, action: str, at: datetime,
            address: str | None = None) -> None:
        """A new entry in the caller's transaction (that of the change it records)."""
        session.execute(insert(AccessLogRow).values(at=at, username=username, case_id=case_id, action=action,
                                                    address=(address or None) and address[:64]))

    def page(self, search: Search, limit: int = 50, offset: int = 0) -> tuple[list[Entry], int]:
        """The entries ``search`` lets through, newest first, and how many there are in all."""
        with self.db.reading() as session:
            total = int(session.scalar(_where(select(func.count()).select_from(AccessLogRow), search)) or 0)
            rows = session.scalars(_where(select(AccessLogRow), search)
                                   .order_by(AccessLogRow.at.desc(), AccessLogRow.id.desc())
                                   .limit(limit).offset(offset))
            return [_entry(r) for r in rows], total

    def sample(self, first: date, last: date, size: int) -> list[Entry]:
        """A period's spot check: ``size`` of its reads, drawn at random with the period as the
        seed, so the same period gives the same sample (once the period is over, no read is added
        to it). Oldest first."""
        with self.db.reading() as session:
            ids = list(session.scalars(_where(select(AccessLogRow.id), Search(first=first, last=last, reads_only=True))
                                       .order_by(AccessLogRow.id)))
            chosen = sorted(random.Random(f"stickprov:{first.isoformat()}:{last.isoformat()}")  # noqa: S311 - a sample, not a secret
                            .sample(ids, min(size, len(ids))))
            rows = session.scalars(select(AccessLogRow).where(AccessLogRow.id.in_(chosen))
                                   .order_by(AccessLogRow.at, AccessLogRow.id))
            return [_entry(r) for r in rows]

    def reads_in(self, first: date, last: date) -> int:
        """How many reads the period holds (what the sample is drawn from)."""
        with self.db.reading() as session:
            return int(session.scalar(_where(select(func.count()).select_from(AccessLogRow),
                                             Search(first=first, last=last, reads_only=True))) or 0)

    def add_mark(self, first: date, last: date, access_log_id: int, reviewed_by: str, at: datetime,
                 note: str) -> Mark:
        """Mark an entry of a period's sample reviewed; Conflict if it is marked already, NotFound
        if it is not in the sample."""
        if access_log_id not in {e.id for e in self.sample(first, last, SAMPLE_SIZE)}:
            raise NotFound(f"entry {access_log_id} is not in the sample of {first}–{last}")
        with self.db.transaction() as session:
            known = session.scalar(select(AccessLogReviewRow.id).where(
                AccessLogReviewRow.period_first == first, AccessLogReviewRow.period_last == last,
                AccessLogReviewRow.access_log_id == access_log_id))
            if known is not None:
                raise Conflict(f"entry {access_log_id} is reviewed already")
            session.add(AccessLogReviewRow(period_first=first, period_last=last, access_log_id=access_log_id,
                                           reviewed_by=reviewed_by, reviewed_at=at, note=note))
        return Mark(access_log_id, reviewed_by, at, note)

    def marks(self, first: date, last: date) -> dict[int, Mark]:
        """The marks of a period's sample, by entry."""
        with self.db.reading() as session:
            rows = session.scalars(select(AccessLogReviewRow).where(
                AccessLogReviewRow.period_first == first, AccessLogReviewRow.period_last == last))
            return {r.access_log_id: Mark(r.access_log_id, r.reviewed_by, r.reviewed_at, r.note) for r in rows}

    def usernames(self) -> list[str]:
        """Everyone the log names (the filter's choices)."""
        with self.db.reading() as session:
            return list(session.scalars(select(AccessLogRow.username).distinct().order_by(AccessLogRow.username)))


#: How many reads a period's spot check draws.
SAMPLE_SIZE = 20
