"""The follow-up's read model in the database: rows written with the steps, read for a period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.persistence.db import Session
from engine.persistence.models import CaseRow, FollowUpRow
from engine.views.followup import FollowUpRow as FollowUpView

#: Columns a step writes only when it knows them (None: keep what the row holds).
KEPT = ("reply_due_on", "replied_on")


def write(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or update the rows (one statement): the columns of :data:`KEPT` keep their value
    where the new row has none."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(FollowUpRow).values(list(rows))
    excluded = statement.excluded
    columns = {c.name: excluded[c.name] for c in FollowUpRow.__table__.columns if c.name != "case_id"}
    for name in KEPT:
        columns[name] = func.coalesce(excluded[name], getattr(FollowUpRow, name))
    session.execute(statement.on_conflict_do_update(index_elements=[FollowUpRow.case_id], set_=columns))


def cases_without_rows(session: Session, process_keys: Sequence[str], limit: int) -> Sequence[CaseRow]:
    """Cases of these processes that have no follow-up row yet (cases from before it existed)."""
    query = select(CaseRow).outerjoin(FollowUpRow, FollowUpRow.case_id == CaseRow.id).where(
        FollowUpRow.case_id.is_(None), CaseRow.process_key.in_(list(process_keys))).order_by(CaseRow.id).limit(limit)
    return list(session.scalars(query))


def rows(session: Session, process_keys: Sequence[str] | None, first: date, last: date) -> list[FollowUpView]:
    """The rows of cases that touch the period ``first``–``last``: referred, started, ended or
    active in it (started before its end and not ended before its start), or their reply fell due in it."""
    touching = or_(
        FollowUpRow.referred_on.between(first, last),
        FollowUpRow.ended_on.between(first, last),
        FollowUpRow.reply_due_on.between(first, last),
        (FollowUpRow.started_on <= last) & (FollowUpRow.ended_on.is_(None) | (FollowUpRow.ended_on >= first)),
        (FollowUpRow.referred_on <= last) & FollowUpRow.ended_on.is_(None),
    )
    query = select(*[getattr(FollowUpRow, c.name) for c in FollowUpRow.__table__.columns if c.name != "updated_at"])
    query = query.where(touching)
    if process_keys is not None:
        query = query.where(FollowUpRow.process_key.in_(list(process_keys)))
    return [FollowUpView(**row._mapping) for row in session.execute(query)]
