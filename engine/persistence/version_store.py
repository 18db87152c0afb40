"""The queries of process designers' work: versions with their open cases, and moving a case to
another version. Functions take a session inside an open transaction (as in ``store.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.persistence.models import CaseRow, ProcessVersionRow

OPEN = ("open", "paused")


def version_row(session: Session, key: str, version: int) -> ProcessVersionRow | None:
    return session.scalars(
        select(ProcessVersionRow).where(ProcessVersionRow.key == key, ProcessVersionRow.version == version)
    ).first()


def version_id(session: Session, key: str, version: int) -> int | None:
    return session.scalar(
        select(ProcessVersionRow.id).where(ProcessVersionRow.key == key, ProcessVersionRow.version == version)
    )


def open_case_counts(session: Session, key: str) -> dict[int, int]:
    """How many open (or paused) cases each version of ``key`` has."""
    rows = session.execute(
        select(CaseRow.process_version, func.count())
        .where(CaseRow.process_key == key, CaseRow.status.in_(OPEN))
        .group_by(CaseRow.process_version)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def open_cases_not_on(session: Session, key: str, version: int, limit: int = 1000) -> Sequence[CaseRow]:
    """The open (or paused) cases of ``key`` on another version than ``version``, oldest first."""
    return session.scalars(
        select(CaseRow)
        .where(CaseRow.process_key == key, CaseRow.status.in_(OPEN), CaseRow.process_version != version)
        .order_by(CaseRow.created_at, CaseRow.id)
        .limit(limit)
    ).all()


def move_case(session: Session, case_id: str, version: ProcessVersionRow) -> None:
    """Point a case at another version of its process (inside the transaction that saves its state)."""
    session.execute(
        update(CaseRow).where(CaseRow.id == case_id)
        .values(process_version_id=version.id, process_version=version.version)
        .execution_options(synchronize_session=False)
    )
