"""The inbox's queries: open tasks with their participant, filtered, counted and paged in due order.

Kept apart from ``store.py`` because it is the one read model people page through all day; every
filter here narrows a walk of the ``(process_key, inbox_order, …)`` index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from engine.persistence import protected_identity
from engine.persistence.models import CaseRow, HumanTaskRow, TaskCandidateRow
from engine.views.inbox import TaskFilter

Q = TypeVar("Q", bound=Select)


def _offered(user: str, groups: Sequence[str]) -> Select[Any]:
    return select(TaskCandidateRow.task_id).where(
        or_(
            and_(TaskCandidateRow.kind == "group", TaskCandidateRow.name.in_(list(groups))),
            and_(TaskCandidateRow.kind == "user", TaskCandidateRow.name == user),
        )
    )


def _where(query: Q, f: TaskFilter, tab: str) -> Q:
    if f.process_keys is not None:
        query = query.where(HumanTaskRow.process_key.in_(list(f.process_keys)))
    if tab == "mine":
        query = query.where(HumanTaskRow.assignee == f.user)
    elif tab == "group":
        query = query.where(HumanTaskRow.assignee.is_(None), HumanTaskRow.id.in_(_offered(f.user, f.groups)))
    if f.element:
        query = query.where(HumanTaskRow.element == f.element)
    if f.assignee == "-":
        query = query.where(HumanTaskRow.assignee.is_(None))
    elif f.assignee:
        query = query.where(HumanTaskRow.assignee == f.assignee)
    if f.due_before is not None:
        query = query.where(HumanTaskRow.due_at.is_not(None), HumanTaskRow.due_at < f.due_before)
    if f.due_from is not None:
        query = query.where(HumanTaskRow.due_at >= f.due_from)
    if f.participant:
        pattern = "%" + f.participant.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(CaseRow.participant["name"].as_string()).like(pattern, escape="\\"))
    if f.participant_key:
        key = f.participant_key.replace("\\", "\\\\").replace("%", "\\%")
        query = query.where(CaseRow.participant_key.like(key, escape="\\"))
    if f.participant or f.participant_key:
        query = query.where(protected_identity.findable_by(f.user))
    return query


def page(session: Session, f: TaskFilter, limit: int, offset: int) -> Sequence[tuple[HumanTaskRow, CaseRow]]:
    query = select(HumanTaskRow, CaseRow).join(CaseRow, CaseRow.id == HumanTaskRow.case_id)
    query = _where(query, f, f.tab)
    query = query.order_by(HumanTaskRow.inbox_order, HumanTaskRow.created_at, HumanTaskRow.id)
    return [(t, c) for t, c in session.execute(query.limit(limit).offset(offset)).all()]


def count(session: Session, f: TaskFilter, tab: str) -> int:
    query = select(func.count()).select_from(HumanTaskRow).join(CaseRow, CaseRow.id == HumanTaskRow.case_id)
    return int(session.scalar(_where(query, f, tab)) or 0)


def overdue_counts(session: Session, process_keys: Sequence[str] | None, now: datetime
                   ) -> Sequence[tuple[str, str, str, int]]:
    """(process_key, element, title, how many) of the open tasks past their due date, by kind."""
    query = select(HumanTaskRow.process_key, HumanTaskRow.element, func.min(HumanTaskRow.title), func.count()).where(
        HumanTaskRow.due_at.is_not(None), HumanTaskRow.due_at < now).group_by(HumanTaskRow.process_key,
                                                                               HumanTaskRow.element)
    if process_keys is not None:
        query = query.where(HumanTaskRow.process_key.in_(list(process_keys)))
    return [(k, e, t, int(n)) for k, e, t, n in session.execute(query.order_by(HumanTaskRow.process_key,
                                                                                HumanTaskRow.element))]


def task_names(session: Session, process_keys: Sequence[str] | None) -> Sequence[tuple[str, str, str]]:
    """(process_key, element, title) of every kind of open task: what the task filter offers."""
    query = select(HumanTaskRow.process_key, HumanTaskRow.element, func.min(HumanTaskRow.title)).group_by(
        HumanTaskRow.process_key, HumanTaskRow.element)
    if process_keys is not None:
        query = query.where(HumanTaskRow.process_key.in_(list(process_keys)))
    return [(k, e, t) for k, e, t in session.execute(query.order_by(HumanTaskRow.process_key, HumanTaskRow.element))]
