"""The inbox's queries: open tasks with their participant, filtered, counted and paged in due order.

Kept apart from ``store.py`` because it is the one read model people page through all day; every
filter here narrows a walk of the ``(process_key, inbox_order, …)`` index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, load_only

from engine.persistence import protected_identity
from engine.persistence.models import CaseRow, HumanTaskRow, TaskCandidateRow
from engine.persistence.store import Cases, among, cases_found, key_matches, name_matches, searched_cases
from engine.views.inbox import TaskFilter

Q = TypeVar("Q", bound=Select)


def _offered(user: str, scopes: Sequence[tuple[Sequence[str], Sequence[str] | None]]) -> Any:
    """The task is offered to the user, or to one of the groups of a scope and is of that scope's
    interventions: a seek in the candidates' key per task looked at, so a page or a capped count stops
    early (``IN (…)`` gathered every candidate row of the groups first, tens of thousands at 100,000
    open cases). A scope's interventions are a condition on the task's own row, already at hand."""
    by_group = []
    for groups, keys in scopes:
        condition = and_(TaskCandidateRow.kind == "group", TaskCandidateRow.name.in_(list(groups)))
        by_group.append(condition if keys is None else and_(condition, HumanTaskRow.process_key.in_(list(keys))))
    return select(TaskCandidateRow.task_id).where(
        TaskCandidateRow.task_id == HumanTaskRow.id,
        or_(*by_group, and_(TaskCandidateRow.kind == "user", TaskCandidateRow.name == user)),
    ).exists()


def participant_cases(session: Session, f: TaskFilter) -> Cases | None:
    """The ids of the cases a search by participant finds, so that their tasks are read by case, a
    seek each: looked up once for the page and its three counts (:func:`store.cases_found`). None
    when the filter does not search by participant."""
    return cases_found(session, searched_cases(f.participant, f.participant_key, f.user))


def _where(query: Q, f: TaskFilter, tab: str, cases: Cases | None = None) -> Q:
    def column(c: Any) -> Any:
        # With a search by participant, the tasks of the cases found are read by case and the rest
        # is checked on those rows: ``|| ''`` keeps SQLite, which has no statistics, from walking the
        # index of another condition instead (every task of the intervention, or of the person).
        return c if cases is None else c.concat("")

    if cases is not None:
        query = query.where(among(HumanTaskRow.case_id, cases))
    if f.process_keys is not None:
        query = query.where(column(HumanTaskRow.process_key).in_(list(f.process_keys)))
    if tab == "mine":
        query = query.where(column(HumanTaskRow.assignee) == f.user)
    elif tab == "group":
        query = query.where(column(HumanTaskRow.assignee).is_(None), _offered(f.user, f.offered_scopes()))
    if f.element:
        query = query.where(column(HumanTaskRow.element) == f.element)
    if f.assignee == "-":
        query = query.where(column(HumanTaskRow.assignee).is_(None))
    elif f.assignee:
        query = query.where(column(HumanTaskRow.assignee) == f.assignee)
    # A due date's range is also the inbox order's (the due date, or NO_DUE_DATE without one), so
    # that the walk of the ``(…, inbox_order, …)`` index is a range, not every task of the tab.
    if f.due_before is not None:
        query = query.where(HumanTaskRow.due_at.is_not(None), HumanTaskRow.due_at < f.due_before,
                            HumanTaskRow.inbox_order < f.due_before)
    if f.due_from is not None:
        query = query.where(HumanTaskRow.due_at >= f.due_from, HumanTaskRow.inbox_order >= f.due_from)
    if cases is None and f.participant:
        query = query.where(name_matches(f.participant))
    if cases is None and f.participant_key:
        query = query.where(key_matches(f.participant_key))
    if cases is None and (f.participant or f.participant_key):
        query = query.where(protected_identity.findable_by(f.user))
    return query


def _nothing_offered(session: Session, f: TaskFilter, tab: str) -> bool:
    """The group tab of someone to whose groups no open task is offered at all (an administrator):
    one seek in the candidates' ``(kind, name)`` index, instead of looking at every unclaimed task."""
    if tab != "group":
        return False
    anything = select(TaskCandidateRow.task_id).where(or_(
        and_(TaskCandidateRow.kind == "group", TaskCandidateRow.name.in_(f.offered_groups())),
        and_(TaskCandidateRow.kind == "user", TaskCandidateRow.name == f.user))).limit(1)
    return session.scalar(anything) is None


def _by_participant(f: TaskFilter) -> bool:
    """Whether the filter asks about the participant, so that the case must be joined in."""
    return bool(f.participant or f.participant_key)


def page(session: Session, f: TaskFilter, limit: int, offset: int, cases: Cases | None = None
         ) -> Sequence[tuple[HumanTaskRow, CaseRow]]:
    """One page of open tasks in the inbox order, each with its case. The page's task ids first, then
    their rows: a sort (several interventions' tasks merged) carries only the keys, never the tasks'
    forms; and of the case only what a row shows (its state is never read here). ``cases``: the ids
    :func:`participant_cases` found, if any."""
    if _nothing_offered(session, f, f.tab):
        return []
    order = (HumanTaskRow.inbox_order, HumanTaskRow.created_at, HumanTaskRow.id)
    ids = select(HumanTaskRow.id)
    if _by_participant(f) and cases is None:
        ids = ids.join(CaseRow, CaseRow.id == HumanTaskRow.case_id)
    wanted = list(session.scalars(_where(ids, f, f.tab, cases).order_by(*order).limit(limit).offset(offset)))
    if not wanted:
        return []
    query = select(HumanTaskRow, CaseRow).join(CaseRow, CaseRow.id == HumanTaskRow.case_id).options(
        load_only(CaseRow.id, CaseRow.status, CaseRow.participant, CaseRow.data)).where(HumanTaskRow.id.in_(wanted))
    found = {t.id: (t, c) for t, c in session.execute(query).all()}
    return [found[i] for i in wanted if i in found]


def count(session: Session, f: TaskFilter, tab: str, cap: int | None = None, cases: Cases | None = None
          ) -> int:
    """How many open tasks of the tab the filter lets through; with ``cap``, counted no further than
    that (the answer is then at most ``cap``). The case is joined in only for a search by participant
    whose cases were not found first (``cases``): every task has its case."""
    if _nothing_offered(session, f, tab):
        return 0
    inner = select(HumanTaskRow.id)
    if _by_participant(f) and cases is None:
        inner = inner.join(CaseRow, CaseRow.id == HumanTaskRow.case_id)
    inner = _where(inner, f, tab, cases)
    if cap is not None:
        inner = inner.limit(cap)
    return int(session.scalar(select(func.count()).select_from(inner.subquery())) or 0)


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
    """(process_key, element, title) of every kind of open task, by process and element, with the
    first title in order: what the task filter offers. Found kind by kind, each one a seek in the
    ``(process_key, element, title)`` index past the one before (a skip scan): a few dozen kinds cost
    a few dozen seeks however many tasks are open, where grouping them read every open task."""
    key, element, title = HumanTaskRow.process_key, HumanTaskRow.element, HumanTaskRow.title
    keys = sorted(set(process_keys)) if process_keys is not None else _process_keys(session)
    found: list[tuple[str, str, str]] = []
    for process_key in keys:
        after: str | None = None
        while True:
            query = select(element, title).where(key == process_key)
            if after is not None:
                query = query.where(element > after)
            row = session.execute(query.order_by(element, title).limit(1)).first()
            if row is None:
                break
            found.append((process_key, row[0], row[1]))
            after = row[0]
    return found


def _process_keys(session: Session) -> list[str]:
    """The processes that have open tasks, one seek each."""
    keys: list[str] = []
    while True:
        query = select(HumanTaskRow.process_key)
        if keys:
            query = query.where(HumanTaskRow.process_key > keys[-1])
        found = session.scalar(query.order_by(HumanTaskRow.process_key).limit(1))
        if found is None:
            return keys
        keys.append(found)
