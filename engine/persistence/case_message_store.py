"""The SQL of messages between cases, and of what a model may ask about other cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from engine.persistence.db import Session
from engine.persistence.models import CaseMessageRow, CaseRow
from engine.views.cases import participant_label

OPEN = ("open", "paused")


def add(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.add_all(CaseMessageRow(**row) for row in rows)


def pending(session: Session, limit: int) -> Sequence[CaseMessageRow]:
    """Messages not yet delivered, oldest first."""
    return session.scalars(select(CaseMessageRow).where(CaseMessageRow.outcome.is_(None))
                           .order_by(CaseMessageRow.id).limit(limit)).all()


def any_pending(session: Session) -> bool:
    return bool(session.scalar(select(select(CaseMessageRow.id).where(CaseMessageRow.outcome.is_(None)).exists())))


def settle(session: Session, message_id: int, outcome: str, at: datetime, to: str | None = None) -> bool:
    """Mark a message delivered (or why not), if nobody has yet; False if someone had."""
    result = session.execute(update(CaseMessageRow).where(CaseMessageRow.id == message_id,
                                                          CaseMessageRow.outcome.is_(None))
                             .values(outcome=outcome, delivered_at=at, delivered_to=to))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def waiting_cases(session: Session, process_key: str, waits_for: str) -> list[str]:
    """The open cases of a process that wait for ``waits_for`` (a message name, or a signal's
    ``signal:`` entry), oldest first."""
    rows = session.execute(select(CaseRow.id, CaseRow.waiting_messages, CaseRow.incident)
                           .where(CaseRow.process_key == process_key, CaseRow.status.in_(OPEN))
                           .order_by(CaseRow.created_at, CaseRow.id)).all()
    return [case_id for case_id, waiting, incident in rows if waits_for in (waiting or ()) and not incident]


def waiting_summaries(session: Session, process_key: str, waits_for: str, field: str | None = None,
                      value: Any = None) -> list[dict[str, Any]]:
    """What a model may read of the open cases of a process that wait for a message (those with
    ``value`` in ``field`` if one is given): the case, the participant's name and when the case
    began, oldest first."""
    query = (select(CaseRow.id, CaseRow.waiting_messages, CaseRow.incident, CaseRow.participant, CaseRow.created_at)
             .where(CaseRow.process_key == process_key, CaseRow.status.in_(OPEN))
             .order_by(CaseRow.created_at, CaseRow.id))
    if field is not None:
        query = query.where(CaseRow.data[field].as_string() == str(value))
    rows = session.execute(query).all()
    return [{"namn": participant_label(participant), "arende": case_id,
             "startat": created.date().isoformat()}
            for case_id, waiting, incident, participant, created in rows
            if waits_for in (waiting or ()) and not incident]


def count_open(session: Session, process_key: str, field: str | None, value: Any, other_than: str = "") -> int:
    """How many open (or paused) cases of a process there are besides ``other_than``, those whose
    data ``field`` is ``value`` if a field is given."""
    query = select(func.count()).select_from(CaseRow).where(CaseRow.process_key == process_key,
                                                            CaseRow.status.in_(OPEN), CaseRow.id != other_than)
    if field is not None:
        query = query.where(CaseRow.data[field].as_string() == str(value))
    return int(session.scalar(query) or 0)


def sent_by(session: Session, case_id: str) -> Sequence[CaseMessageRow]:
    return session.scalars(select(CaseMessageRow).where(CaseMessageRow.sender_case_id == case_id)
                           .order_by(CaseMessageRow.id)).all()
