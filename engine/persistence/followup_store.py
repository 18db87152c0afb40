"""The follow-up's read model in the database: rows written with the steps, read for a period."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import String, Table, and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.persistence.db import Session
from engine.persistence.models import CaseRow, FollowUpContactRow, FollowUpRow
from engine.views.followup import FollowUpRow as FollowUpView

_TABLE = cast(Table, FollowUpRow.__table__)
#: Columns a step writes only when it knows them (None: keep what the row holds).
KEPT = ("reply_due_on", "replied_on")


def write(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or update the rows: the columns of :data:`KEPT` keep their value where the new row has
    none. One statement, built once per dialect (so compiled once), with the rows as its parameters."""
    if not rows:
        return
    columns = [c.name for c in _TABLE.columns]
    connection = session.connection()  # Core: the ORM's bulk path costs more than the statement
    connection.execute(_upsert(connection.dialect.name), [{name: row.get(name) for name in columns} for row in rows])


@functools.cache
def _upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_TABLE)
    excluded = statement.excluded
    columns: dict[str, Any] = {c.name: excluded[c.name] for c in _TABLE.columns if c.name != "case_id"}
    for name in KEPT:
        columns[name] = func.coalesce(excluded[name], _TABLE.c[name])
    return statement.on_conflict_do_update(index_elements=[_TABLE.c.case_id], set_=columns)


def add_contacts(session: Session, months: Sequence[dict[str, str]]) -> None:
    """Record the months in which cases had their monthly contact (a second one in a month changes nothing)."""
    if not months:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(FollowUpContactRow).values(list(months)).on_conflict_do_nothing())


def cases_without_rows(session: Session, process_keys: Sequence[str], limit: int) -> Sequence[CaseRow]:
    """Cases of these processes that have no follow-up row yet (cases from before it existed)."""
    query = select(CaseRow).outerjoin(FollowUpRow, FollowUpRow.case_id == CaseRow.id).where(
        FollowUpRow.case_id.is_(None), CaseRow.process_key.in_(list(process_keys))).order_by(CaseRow.id).limit(limit)
    return list(session.scalars(query))


def _touching(first: date, last: date) -> Any:
    """Rows of cases referred, ended or active in the period ``first``–``last`` (started before its
    end and not ended before its start), or whose reply fell due in it."""
    f = FollowUpRow
    return or_(f.referred_on.between(first, last), f.ended_on.between(first, last),
               f.reply_due_on.between(first, last),
               and_(f.started_on <= last, or_(f.ended_on.is_(None), f.ended_on >= first)))


def rows(session: Session, process_keys: Sequence[str] | None, first: date, last: date) -> list[FollowUpView]:
    """The rows of cases that touch the period ``first``–``last``: referred, started, ended or
    active in it (started before its end and not ended before its start), or their reply fell due in it."""
    query = select(*[getattr(FollowUpRow, c.name) for c in FollowUpRow.__table__.columns if c.name != "updated_at"])
    query = query.where(_touching(first, last))
    if process_keys is not None:
        query = query.where(FollowUpRow.process_key.in_(list(process_keys)))
    return [FollowUpView(**row._mapping) for row in session.execute(query)]


# --- the figures of a period, counted by the database ------------------------------------------------

#: The columns the main count groups by: few values each, so the groups stay few however many cases.
GROUPS = ("process_key", "gender", "municipality", "authority", "birth_year")
#: What the main count sums per group, in this order.
SUMS = ("referred", "started", "active", "ended", "reply_due", "reply_on_time", "reply_unanswered",
        "started_before", "ended_before")


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _where(query: Any, process_keys: Sequence[str], first: date, last: date, equal: dict[str, str | None],
           born: tuple[int, int] | None) -> Any:
    """Only the rows of these processes that touch the period, with the filters' values."""
    f = FollowUpRow
    query = query.where(f.process_key.in_(list(process_keys)), _touching(first, last))
    for column, value in equal.items():
        if value is not None:
            query = query.where(getattr(f, column).is_(None) if value == "" else getattr(f, column) == value)
    if born is not None:
        query = query.where(f.birth_year.between(*born))
    return query


def counted(session: Session, process_keys: Sequence[str], first: date, last: date, *,
            equal: dict[str, str | None], born: tuple[int, int] | None) -> dict[str, Any]:
    """What the figures of the period ``first``–``last`` need, counted by the database in a few
    statements whose answers are small however many cases there are: the measures and replies per
    group of :data:`GROUPS`, outcomes by category and gender, the caseload on the last day, the
    durations of the participations that ended, and the starts per month and ends per day (from
    which the engine works out who was active at each month's end). ``equal``: columns that must
    hold a value ("" for none); ``born``: the birth years of an age band."""
    f = FollowUpRow
    due = f.reply_due_on.between(first, last)
    ended = and_(f.started_on.is_not(None), f.ended_on.between(first, last))
    sums = {
        "referred": f.referred_on.between(first, last), "started": f.started_on.between(first, last),
        "active": and_(f.started_on <= last, or_(f.ended_on.is_(None), f.ended_on >= first)), "ended": ended,
        "reply_due": due, "reply_on_time": and_(due, f.replied_on <= f.reply_due_on),
        "reply_unanswered": and_(due, f.replied_on.is_(None)),
        "started_before": f.started_on < first, "ended_before": and_(f.started_on.is_not(None), f.ended_on < first),
    }

    def run(*columns: Any, condition: Any = None, group: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        query = _where(select(*columns), process_keys, first, last, equal, born)
        if condition is not None:
            query = query.where(condition)
        return [tuple(r) for r in session.execute(query.group_by(*group) if group else query)]

    groups = [getattr(f, name) for name in GROUPS]
    on_last = and_(f.started_on <= last, or_(f.ended_on.is_(None), f.ended_on >= last), f.contact.is_not(None))
    month = func.substr(func.cast(f.started_on, String), 1, 7)
    end_month = func.substr(func.cast(f.ended_on, String), 1, 7)
    c = FollowUpContactRow
    # A monthly contact counts in a month after the participation's first and before its last.
    contacts = _where(select(func.count()).select_from(c).join(f, f.case_id == c.case_id), process_keys, first, last,
                      equal, born).where(c.month.between(first.strftime("%Y-%m"), last.strftime("%Y-%m")),
                                         c.month > month, or_(f.ended_on.is_(None), c.month < end_month))
    return {
        "groups": run(*groups, *[_count(sums[name]) for name in SUMS], group=groups),
        "outcomes": run(f.category, f.gender, func.count(), condition=ended, group=[f.category, f.gender]),
        "caseload": run(f.contact, func.count(), condition=on_last, group=[f.contact]),
        "durations": run(f.started_on, f.ended_on, condition=ended),
        "started_by_month": run(month, func.count(), condition=f.started_on.between(first, last), group=[month]),
        "ended_by_day": run(f.ended_on, func.count(), condition=ended, group=[f.ended_on]),
        "participation_months": run(month, end_month, func.count(), condition=sums["active"], group=[month, end_month]),
        "contacts": int(session.scalar(contacts) or 0),
    }


def group_starts(session: Session, process_key: str, fields: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
    """The cases of a process that starts groups (not cancelled), each with the named fields of its
    data: few rows (one a group start), read from the case data, not from workflow states."""
    rows = session.execute(select(CaseRow.id, CaseRow.data).where(CaseRow.process_key == process_key,
                                                                  CaseRow.status != "cancelled")).all()
    return [(case_id, {f: (data or {}).get(f) for f in fields}) for case_id, data in rows]
