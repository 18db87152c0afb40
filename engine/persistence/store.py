"""Every query the engine runs. Functions take a session inside an open transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, defer, load_only
from sqlalchemy.orm.attributes import set_committed_value

from engine.errors import ConcurrentModification, DuplicateCase
from engine.persistence import protected_identity, start_timer_store
from engine.persistence.models import (
    CaseEventRow,
    CaseMessageRow,
    CaseRow,
    DeliveryRow,
    HumanTaskRow,
    NotificationRow,
    ProcessVersionRow,
    TaskCandidateRow,
    TimerRow,
    participant_name,
    participant_sort_keys,
)
from engine.views.cases import CaseFilter

# --- process versions -------------------------------------------------------------------------

#: A version's sources and parsed spec are large: a query for versions loads them only when one of
#: them is read (in the same session).
_HEAVY = (defer(ProcessVersionRow.sources), defer(ProcessVersionRow.spec))


_LATEST_VERSION = (select(ProcessVersionRow).where(ProcessVersionRow.key == bindparam("key"))
                   .order_by(ProcessVersionRow.version.desc()).limit(1).options(*_HEAVY))


def latest_version(session: Session, key: str) -> ProcessVersionRow | None:
    return session.scalars(_LATEST_VERSION, {"key": key}).first()


def version_by_id(session: Session, version_id: int) -> ProcessVersionRow | None:
    return session.get(ProcessVersionRow, version_id)


def version_name(session: Session, version_id: int) -> str | None:
    return session.scalar(select(ProcessVersionRow.name).where(ProcessVersionRow.id == version_id))


def versions_of(session: Session, key: str) -> Sequence[ProcessVersionRow]:
    return session.scalars(
        select(ProcessVersionRow).where(ProcessVersionRow.key == key).order_by(ProcessVersionRow.version)
        .options(*_HEAVY)
    ).all()


#: The newest version of each key (the processes' list, read on most pages): built once.
_NEWEST = (select(ProcessVersionRow.key, func.max(ProcessVersionRow.version).label("v"))
           .group_by(ProcessVersionRow.key).subquery())
_IS_NEWEST = and_(ProcessVersionRow.key == _NEWEST.c.key, ProcessVersionRow.version == _NEWEST.c.v)
# Without the sources and the parsed spec (deferred, loaded only if asked for): the list of
# processes is read on most pages, and the specs' JSON is most of what a version weighs.
_LATEST_VERSIONS = (select(ProcessVersionRow).join(_NEWEST, _IS_NEWEST).order_by(ProcessVersionRow.key)
                    .options(*_HEAVY))
_LATEST_VERSION_SUMMARIES = (select(ProcessVersionRow.key, ProcessVersionRow.name, ProcessVersionRow.version,
                                    ProcessVersionRow.content_hash, ProcessVersionRow.deployed_at,
                                    ProcessVersionRow.deployed_by)
                             .join(_NEWEST, _IS_NEWEST).order_by(ProcessVersionRow.key))
_PROCESS_NAMES = select(ProcessVersionRow.key, ProcessVersionRow.name).join(_NEWEST, _IS_NEWEST)


def latest_versions(session: Session) -> Sequence[ProcessVersionRow]:
    return session.scalars(_LATEST_VERSIONS).all()


def latest_version_summaries(session: Session) -> Sequence[Any]:
    """The newest version of every key as rows of key, name, version, content_hash, deployed_at and
    deployed_by (no ORM objects: a list that every page shows is read cheaply)."""
    return session.execute(_LATEST_VERSION_SUMMARIES).all()


def process_names(session: Session) -> dict[str, str]:
    """The name of every process key's newest version (without loading the versions' sources)."""
    return {r[0]: r[1] for r in session.execute(_PROCESS_NAMES).all()}


def next_version_number(session: Session, key: str) -> int:
    current = session.scalar(select(func.max(ProcessVersionRow.version)).where(ProcessVersionRow.key == key))
    return (current or 0) + 1


# --- cases --------------------------------------------------------------------------------------


def lock_case(session: Session, case_id: str) -> CaseRow | None:
    """Load a case for change. PostgreSQL holds a row lock until commit; SQLite's writer lock is
    already held (``BEGIN IMMEDIATE``). The workflow state, deferred here and in the reads of a case
    with its task below, is loaded when it is first read in the session: a step whose workflow is
    cached never reads it."""
    return session.scalars(select(CaseRow).where(CaseRow.id == case_id).with_for_update()
                           .options(defer(CaseRow.state))).first()


# The statements of every step (a completion's reads and writes) are built once, with their values as
# parameters: building a statement and its cache key again is about a third of what SQLAlchemy spends
# on a one-row read (docs/benchmarks.md, "Requests over HTTP").
_CASE_OF_TASK = (select(HumanTaskRow, CaseRow).join(CaseRow, CaseRow.id == HumanTaskRow.case_id)
                 .where(HumanTaskRow.id == bindparam("task_id")).options(defer(CaseRow.state)))
_LOCK_CASE_OF_TASK = _CASE_OF_TASK.with_for_update(of=CaseRow)


def lock_case_of_task(session: Session, task_id: str) -> tuple[HumanTaskRow, CaseRow] | None:
    """An open task and its case, the case locked for change, in one round trip."""
    found = session.execute(_LOCK_CASE_OF_TASK, {"task_id": task_id}).first()
    return (found[0], found[1]) if found is not None else None


def case_of_task(session: Session, task_id: str) -> tuple[HumanTaskRow, CaseRow] | None:
    """An open task and its case, read (not locked), in one round trip."""
    found = session.execute(_CASE_OF_TASK, {"task_id": task_id}).first()
    return (found[0], found[1]) if found is not None else None


_THE_TASK = aliased(HumanTaskRow)
_TASKS_BESIDE_TASK = (select(HumanTaskRow, CaseRow).join(CaseRow, CaseRow.id == HumanTaskRow.case_id)
                      .where(HumanTaskRow.case_id == select(_THE_TASK.case_id)
                             .where(_THE_TASK.id == bindparam("task_id")).scalar_subquery())
                      .order_by(HumanTaskRow.created_at).options(defer(CaseRow.state)))


def case_of_task_with_tasks(session: Session, task_id: str
                            ) -> tuple[HumanTaskRow, CaseRow, list[HumanTaskRow]] | None:
    """An open task, its case and all the case's open tasks (as :func:`tasks_of_case` orders them),
    read (not locked) in one round trip: what a step on the task reads first."""
    rows = session.execute(_TASKS_BESIDE_TASK, {"task_id": task_id}).all()
    tasks = [row[0] for row in rows]
    task = next((t for t in tasks if t.id == task_id), None)
    return (task, rows[0][1], tasks) if task is not None else None


def add_case(session: Session, row: CaseRow) -> None:
    """Insert a new case; a second open case of the same participant in the same process (the
    partial unique index) raises DuplicateCase."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError as err:
        raise DuplicateCase("the participant already has an open case in this intervention") from err


_CASE_WITHOUT_STATE = select(CaseRow).where(CaseRow.id == bindparam("case_id")).options(defer(CaseRow.state))


def get_case(session: Session, case_id: str, *, with_state: bool = True) -> CaseRow | None:
    """The case's row; without its workflow state unless it is asked for (a view of the case never
    needs it, and it is most of what a case weighs)."""
    if with_state:
        return session.get(CaseRow, case_id)
    return session.scalars(_CASE_WITHOUT_STATE, {"case_id": case_id}).first()


def case_data(session: Session, case_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The data of each of these cases (a missing case is left out), without their workflow states."""
    if not case_ids:
        return {}
    rows = session.execute(select(CaseRow.id, CaseRow.data).where(CaseRow.id.in_(sorted(set(case_ids))))).all()
    return {r[0]: r[1] or {} for r in rows}


_OPEN_CASE_FOR = select(CaseRow.id).where(
    CaseRow.process_key == bindparam("process_key"), CaseRow.participant_key == bindparam("participant_key"),
    CaseRow.status.in_(("open", "paused"))).limit(1)
_CLOSED_CASES_FOR = select(func.count()).select_from(CaseRow).where(
    CaseRow.process_key == bindparam("process_key"), CaseRow.participant_key == bindparam("participant_key"),
    CaseRow.status.in_(("completed", "cancelled")))


def open_case_for(session: Session, process_key: str, participant_key: str) -> str | None:
    """The id of the participant's open (or paused) case in the intervention, if there is one."""
    return session.scalars(_OPEN_CASE_FOR, {"process_key": process_key, "participant_key": participant_key}).first()


def closed_cases_for(session: Session, process_key: str, participant_key: str) -> int:
    """How many cases the participant has had in the intervention that have ended (completed or cancelled)."""
    return session.scalar(_CLOSED_CASES_FOR, {"process_key": process_key, "participant_key": participant_key}) or 0


def list_cases(session: Session, process_keys: Sequence[str] | None, status: str | None, limit: int,
               started_by: str | None = None, offset: int = 0) -> Sequence[CaseRow]:
    query = select(CaseRow)
    if process_keys is not None:
        query = query.where(CaseRow.process_key.in_(list(process_keys)))
    if started_by is not None:
        query = query.where(CaseRow.started_by == started_by)
    if status:
        query = query.where(CaseRow.status == status)
    query = query.options(defer(CaseRow.state)).order_by(CaseRow.created_at.desc(), CaseRow.id.desc())
    return session.scalars(query.limit(limit).offset(offset)).all()


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%")


def searched_cases(name: str | None, key: str | None, searcher: str | None = None) -> Select[Any] | None:
    """The ids of the cases whose participant a search finds, read from the participant's index alone
    (the name's or the key's, each holding the case id), so that a list looks at those cases only:
    ``… id IN (this)``. None without a search. With ``searcher``, a protected participant is found
    only by the users the case names (:mod:`protected_identity`)."""
    if not name and not key:
        return None
    searched = aliased(CaseRow)  # never correlated with the list's own cases
    query = select(searched.id)
    if name:
        query = query.where(name_matches(name, searched))
    if key:
        query = query.where(key_matches(key, searched))
    if searcher is None:
        return query
    # Who may find a protected participant is in the participant's JSON: asked of the cases the
    # name's or the key's index found, not of every case (SQLite, asked both at once, read the table).
    found = aliased(CaseRow)
    return select(found.id).where(found.id.in_(query), protected_identity.findable_by(searcher, found))


#: A search by participant that finds at most this many cases hands their ids on as values; more (a
#: search for "a"), as the statement, which each list and count then runs again.
LISTED_CASES = 5_000

Cases = Select[Any] | Sequence[str]


class IdArray(tuple[str, ...]):
    """Case ids that PostgreSQL gets as one array parameter (``= ANY(…)``): as an ``IN`` list of 2,500
    parameters, a common last name's search spent most of its page building and parsing statements."""


def cases_found(session: Session, searched: Select[Any] | None) -> Cases | None:
    """What :func:`searched_cases` finds, looked up once for a page and its counts (a name's search
    reads the whole name index): the ids (on PostgreSQL an :class:`IdArray`), or the statement when
    they are more than :data:`LISTED_CASES`. None without a search. :func:`among` asks for them."""
    if searched is None:
        return None
    found = list(session.scalars(searched.limit(LISTED_CASES + 1)))
    if len(found) > LISTED_CASES:
        return searched
    return IdArray(found) if session.get_bind().dialect.name == "postgresql" else found


def among(column: Any, cases: Cases) -> Any:
    """The condition that ``column`` is one of ``cases`` (what :func:`cases_found` found)."""
    if isinstance(cases, IdArray):
        return column == any_(bindparam(None, list(cases), type_=ARRAY(String)))
    return column.in_(cases)


def name_matches(text: str, cases: Any = CaseRow) -> Any:
    """The participant's name holds ``text``, whatever its case (Å as well as A): a LIKE over the
    narrow ``participant_name`` index, never over every case's JSON."""
    wanted = participant_name({"name": text}) or ""
    return cases.participant_name.like("%" + _like(wanted).replace("_", "\\_") + "%", escape="\\")


def key_matches(pattern: str, cases: Any = CaseRow) -> Any:
    """The participant key matches ``pattern`` digit by digit (``_``: any one). A whole number is
    an equality and a number's beginning (a birth date) a range, both seeks in the key's index; only
    a pattern that starts with ``_`` (the last four digits) reads the whole index."""
    fixed = pattern.split("_", 1)[0]
    if fixed == pattern:
        return cases.participant_key == pattern
    matches = cases.participant_key.like(_like(pattern), escape="\\")
    if not fixed:
        return matches
    return and_(cases.participant_key >= fixed, cases.participant_key < fixed[:-1] + chr(ord(fixed[-1]) + 1),
                matches)


def search_cases(session: Session, f: CaseFilter, sort: str, descending: bool, limit: int,
                 offset: int) -> tuple[Sequence[CaseRow], int]:
    """One page of the cases ``f`` lets through, in the order asked for (newest first among
    equals), and how many there are in all."""
    conditions: list[Any] = []
    found = cases_found(session, searched_cases(f.name, f.participant_key, f.searched_by))

    def column(c: Any) -> Any:
        # With a search by participant, the other conditions are checked on the cases found, not
        # looked up in their own indexes: ``|| ''`` keeps SQLite, which has no statistics, from
        # walking every case of the intervention instead.
        return c if found is None else c.concat("")

    if f.process_keys is not None:
        conditions.append(column(CaseRow.process_key).in_(list(f.process_keys)))
    if f.started_by is not None:
        conditions.append(column(CaseRow.started_by) == f.started_by)
    if f.status:
        conditions.append(column(CaseRow.status) == f.status)
    if found is not None:
        conditions.append(among(CaseRow.id, found))
    else:
        if f.name:
            conditions.append(name_matches(f.name))
        if f.participant_key:
            conditions.append(key_matches(f.participant_key))
    if (f.name or f.participant_key) and f.searched_by is not None:
        conditions.append(protected_identity.findable_by(f.searched_by))
    by = {"name": CaseRow.participant_sort_name, "participant_key": CaseRow.participant_sort_key,
          "process": CaseRow.process_key, "status": CaseRow.status, "started": CaseRow.created_at}[sort]
    if sort == "started":  # the (created_at, id) indexes, walked either way
        order = [CaseRow.created_at.desc(), CaseRow.id.desc()] if descending else [CaseRow.created_at, CaseRow.id]
    else:
        order = [by.desc() if descending else by.asc(), CaseRow.created_at.desc(), CaseRow.id]
    total = session.scalar(select(func.count()).select_from(CaseRow).where(*conditions)) or 0
    # The page's ids first, then their rows: a sort carries only the keys (never the cases' states,
    # which SQLite's sorter would copy for every case passed over), and the state is not read at all.
    ids = list(session.scalars(select(CaseRow.id).where(*conditions).order_by(*order).limit(limit).offset(offset)))
    return cases_in_order(session, ids), int(total)


def cases_in_order(session: Session, ids: Sequence[str]) -> list[CaseRow]:
    """These cases, in this order, without their state (a summary never needs it)."""
    if not ids:
        return []
    rows = {r.id: r for r in session.scalars(select(CaseRow).where(CaseRow.id.in_(ids)).options(defer(CaseRow.state)))}
    return [rows[i] for i in ids if i in rows]


def claim_due_cases(session: Session, until: datetime, limit: int, skip: Iterable[str] = ()) -> Sequence[CaseRow]:
    """Lock up to ``limit`` cases with a timer due by ``until``, earliest first, passing over the
    cases other workers hold (``SKIP LOCKED``: several workers split a burst between them instead
    of queueing for the same rows) and the ``skip`` ids. Paused cases and incidents have no due
    time. On SQLite the writer lock of ``BEGIN IMMEDIATE`` already keeps other writers out."""
    query = select(CaseRow).where(CaseRow.next_due_at.is_not(None), CaseRow.next_due_at <= until)
    skipped = list(skip)
    if skipped:
        query = query.where(CaseRow.id.not_in(skipped))
    return session.scalars(
        # By due time alone, as the index on it yields them: a tie-breaker would make PostgreSQL sort
        # every due case for each batch (33 ms with 10,000 due, against 0.1 ms).
        query.order_by(CaseRow.next_due_at).limit(limit).with_for_update(skip_locked=True)
    ).all()


_CASES = cast(Table, CaseRow.__table__)
_SAVE_CASE_STATE = update(_CASES).where(_CASES.c.id == bindparam("_id"), _CASES.c.revision == bindparam("_revision"))


def save_case_states(session: Session, changes: Sequence[tuple[CaseRow, dict[str, Any]]]) -> None:
    """Write the new state of locked cases, one statement for all of them, each only if its revision
    is still the one its row object holds (the optimistic check behind the lock)."""
    if not changes:
        return
    result = session.connection().execute(_SAVE_CASE_STATE, [
        {"_id": row.id, "_revision": row.revision, "revision": row.revision + 1, **values} for row, values in changes
    ])
    if result.rowcount != len(changes) and session.get_bind().dialect.supports_sane_multi_rowcount:
        raise ConcurrentModification("a case was changed by someone else; try again")


def saved(row: CaseRow, values: dict[str, Any]) -> None:
    """Give a row object the values :func:`save_case_states` wrote, without making it dirty again
    (which would have the session write the whole state a second time at commit)."""
    for key, value in values.items():
        set_committed_value(row, key, value)
    set_committed_value(row, "revision", row.revision + 1)


def save_case_state(session: Session, row: CaseRow, expected_revision: int, values: dict[str, Any]) -> None:
    """Write the new state only if nobody else has since: the optimistic check behind the lock."""
    result = session.execute(
        update(CaseRow)
        .where(CaseRow.id == row.id, CaseRow.revision == expected_revision)
        .values(revision=expected_revision + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentModification(f"case {row.id} was changed by someone else; try again")


def anything_due(session: Session, until: datetime) -> bool:
    """Whether a timer, a reminder, an escalation or a start timer is due by ``until``: one statement
    of four ``EXISTS``, each answered from its own due-time index (one ``EXISTS`` with an ``OR`` inside let
    PostgreSQL scan every open task). A paused case's task counts too: the full look then finds
    nothing to do."""
    checks = [
        select(CaseRow.id).where(CaseRow.next_due_at <= until).exists(),
        select(HumanTaskRow.id).where(HumanTaskRow.remind_at <= until).exists(),
        select(HumanTaskRow.id).where(HumanTaskRow.escalate_at <= until).exists(),
        select(CaseMessageRow.id).where(CaseMessageRow.outcome.is_(None)).exists(),
        start_timer_store.due_check(until),  # a process that opens its cases itself
    ]
    return bool(session.scalar(select(or_(*checks))))


def earliest_due(session: Session) -> datetime | None:
    """The next moment anything falls due: a timer, a task's reminder or its escalation, a start timer."""
    moments = [
        session.scalar(select(func.min(CaseRow.next_due_at))),
        session.scalar(select(func.min(HumanTaskRow.remind_at)).join(CaseRow, CaseRow.id == HumanTaskRow.case_id)
                       .where(CaseRow.status == "open")),
        session.scalar(select(func.min(HumanTaskRow.escalate_at)).join(CaseRow, CaseRow.id == HumanTaskRow.case_id)
                       .where(CaseRow.status == "open")),
        start_timer_store.earliest(session),
    ]
    present = [m for m in moments if m is not None]
    return min(present) if present else None


# --- open human tasks ------------------------------------------------------------------------------


def claim_due_deadlines(session: Session, until: datetime, limit: int) -> Sequence[HumanTaskRow]:
    """Open tasks of open cases whose reminder or escalation is due by ``until``, locked (skipping
    those another worker holds), oldest first."""
    # Driven by the two deadline indexes (a handful of rows), the case's status checked per row
    # found: a join let SQLite walk every open case instead (186 ms at 100,000 open cases).
    case_open = exists().where(CaseRow.id == HumanTaskRow.case_id, CaseRow.status == "open")
    tasks = session.scalars(
        select(HumanTaskRow)
        .where(or_(HumanTaskRow.remind_at <= until, HumanTaskRow.escalate_at <= until), case_open)
        .order_by(HumanTaskRow.created_at, HumanTaskRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=HumanTaskRow)
    ).all()
    if not tasks:
        return tasks
    # Their cases too, skipping those a change holds: a step of the case (a completion) locks the case
    # and then removes its task, while the reminder's notification needs the case (its foreign key)
    # after the task; each waiting for the other was a deadlock on PostgreSQL. A task skipped here is
    # reminded on the next tick, if it is still open.
    cases = session.scalars(select(CaseRow.id).where(CaseRow.id.in_(sorted({t.case_id for t in tasks})))
                            .with_for_update(skip_locked=True))
    held = set(cases)
    return [t for t in tasks if t.case_id in held]


_TASKS_OF_CASE = select(HumanTaskRow).where(HumanTaskRow.case_id == bindparam("case_id")).order_by(
    HumanTaskRow.created_at)


def tasks_of_case(session: Session, case_id: str) -> Sequence[HumanTaskRow]:
    return session.scalars(_TASKS_OF_CASE, {"case_id": case_id}).all()


def tasks_of_cases(session: Session, case_ids: Sequence[str]) -> dict[str, list[HumanTaskRow]]:
    """The open tasks of several cases, by case, in one statement."""
    found: dict[str, list[HumanTaskRow]] = {case_id: [] for case_id in case_ids}
    for task in session.scalars(
        select(HumanTaskRow).where(HumanTaskRow.case_id.in_(list(case_ids)))
        .order_by(HumanTaskRow.created_at, HumanTaskRow.id)
    ):
        found[task.case_id].append(task)
    return found


def get_task(session: Session, task_id: str) -> HumanTaskRow | None:
    return session.get(HumanTaskRow, task_id)


def add_tasks(session: Session, rows: Sequence[HumanTaskRow]) -> None:
    """Insert new open tasks and their candidates: two multi-row statements, whatever the number."""
    if not rows:
        return
    columns = [c.key for c in HumanTaskRow.__table__.columns]
    _insert(session, HumanTaskRow, [{c: getattr(r, c) for c in columns} for r in rows])
    candidates = [{"task_id": r.id, "kind": "group", "name": g} for r in rows for g in r.candidate_groups]
    candidates += [{"task_id": r.id, "kind": "user", "name": u} for r in rows for u in r.candidate_users]
    _insert(session, TaskCandidateRow, candidates)


def shift_task_deadlines(session: Session, case_id: str, move: Callable[[datetime], datetime]) -> None:
    """Move the due and follow-up dates (and what the deadline watcher has still to do) of a case's
    open tasks with ``move``: a resumed case's clock stood still while it was paused."""
    for task in session.scalars(select(HumanTaskRow).where(HumanTaskRow.case_id == case_id)):
        for name in ("due_at", "follow_up_at", "remind_at", "escalate_at"):
            moment = getattr(task, name)
            if moment is not None:
                setattr(task, name, move(moment))
        if task.due_at is not None:
            task.inbox_order = task.due_at
    session.flush()


_REMOVE_TASKS = delete(HumanTaskRow).where(HumanTaskRow.id.in_(bindparam("ids", expanding=True))).execution_options(
    synchronize_session=False)


def remove_tasks(session: Session, task_ids: Iterable[str]) -> None:
    """Delete open tasks that are done; their candidate rows go with them (ON DELETE CASCADE)."""
    ids = list(task_ids)
    if ids:
        session.execute(_REMOVE_TASKS, {"ids": ids})


def query_tasks(
    session: Session,
    *,
    case_id: str | None = None,
    process_keys: Sequence[str] | None = None,
    assignee: str | None = None,
    user: str | None = None,
    groups: Sequence[str] | None = None,
    scopes: Sequence[tuple[Sequence[str], Sequence[str] | None]] | None = None,
    overdue_at: datetime | None = None,
    limit: int = 500,
    offset: int = 0,
) -> Sequence[HumanTaskRow]:
    """The inbox query. ``user``/``groups`` select the tasks that person may work on: assigned to
    them, or unassigned and offered to them or one of their groups. ``scopes`` instead of ``groups``:
    (groups, process keys or None) pairs, a task offered to a pair's groups counting only in that
    pair's interventions (roles held in some interventions only)."""
    query = select(HumanTaskRow)
    if case_id is not None:
        query = query.where(HumanTaskRow.case_id == case_id)
    if process_keys is not None:
        query = query.where(HumanTaskRow.process_key.in_(list(process_keys)))
    if assignee is not None:
        query = query.where(HumanTaskRow.assignee == assignee)
    if user is not None or groups is not None or scopes is not None:
        pairs = [(groups or (), None)] if scopes is None else scopes
        offered: list[ColumnElement[bool]] = [HumanTaskRow.id.in_(select(TaskCandidateRow.task_id).where(
            TaskCandidateRow.kind == "user", TaskCandidateRow.name == (user or "")))]
        for held, keys in pairs:
            by_group = HumanTaskRow.id.in_(select(TaskCandidateRow.task_id).where(
                TaskCandidateRow.kind == "group", TaskCandidateRow.name.in_(list(held))))
            offered.append(by_group if keys is None else and_(HumanTaskRow.process_key.in_(list(keys)), by_group))
        query = query.where(
            or_(
                HumanTaskRow.assignee == (user or ""),
                and_(HumanTaskRow.assignee.is_(None), or_(*offered)),
            )
        )
    if overdue_at is not None:
        query = query.where(HumanTaskRow.due_at.is_not(None), HumanTaskRow.due_at < overdue_at,
                            HumanTaskRow.inbox_order < overdue_at)  # the same range, walked in the index
    query = query.order_by(HumanTaskRow.inbox_order, HumanTaskRow.created_at, HumanTaskRow.id)
    return session.scalars(query.limit(limit).offset(offset)).all()


def set_assignee(session: Session, task_id: str, assignee: str | None, expected: str | None) -> bool:
    """Claim/unclaim atomically: only if the assignee is still what the caller saw."""
    condition = HumanTaskRow.assignee.is_(None) if expected is None else HumanTaskRow.assignee == expected
    result = session.execute(
        update(HumanTaskRow).where(HumanTaskRow.id == task_id, condition).values(assignee=assignee)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


# --- timers ---------------------------------------------------------------------------------------


def replace_timers_of(session: Session, case_ids: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Drop the waiting timers of ``case_ids`` and insert ``rows`` (of those cases and new ones)."""
    if case_ids:
        session.execute(delete(TimerRow).where(TimerRow.case_id.in_(list(case_ids))))
    _insert(session, TimerRow, rows)


def upcoming_timers(session: Session, limit: int) -> Sequence[TimerRow]:
    return session.scalars(select(TimerRow).order_by(TimerRow.due_at).limit(limit)).all()


# --- history ----------------------------------------------------------------------------------------


def set_participant(session: Session, row: CaseRow, participant: dict[str, Any], at: datetime) -> None:
    """Give a locked case its participant as changed (a new revision: a step worked out meanwhile
    from the old one is worked out again)."""
    save_case_state(session, row, row.revision, {"participant": participant, "updated_at": at,
                                                  **participant_sort_keys(participant, row.participant_key)})


def scrub_case_messages_to_people(session: Session, case_id: str, name: str, placeholder: str) -> int:
    """Replace ``name`` by ``placeholder`` in the subjects and bodies of the case's notifications and
    their mails, sent or not (a protected participant's name leaves with no mail); how many changed."""
    changed = 0
    rows: list[NotificationRow | DeliveryRow] = [
        *session.scalars(select(NotificationRow).where(NotificationRow.case_id == case_id)),
        *session.scalars(select(DeliveryRow).where(DeliveryRow.case_id == case_id))]
    for found in rows:
        if name in found.subject or name in (found.body or ""):
            found.subject = found.subject.replace(name, placeholder)
            found.body = (found.body or "").replace(name, placeholder)
            changed += 1
    return changed


def add_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    _insert(session, CaseEventRow, rows)


def add_notifications(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    _insert(session, NotificationRow, rows)


def _insert(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert plain rows as one statement, past the ORM's unit of work (nothing here needs it)."""
    if rows:
        session.connection().execute(model.__table__.insert(), list(rows))


def notifications_for(session: Session, *, user: str | None, groups: Sequence[str] | None,
                      process_keys: Sequence[str] | None, limit: int,
                      scopes: Sequence[tuple[Sequence[str], Sequence[str] | None]] | None = None,
                      ) -> Sequence[NotificationRow]:
    """Newest first. ``user``/``groups`` select what is addressed to that person (to them by name,
    or to one of their roles within ``process_keys``); None for all of them (admins). ``scopes``
    instead of ``groups``/``process_keys``: (groups, process keys) pairs, a role counting only within
    its pair's interventions (None: in every one)."""
    newest = (NotificationRow.created_at.desc(), NotificationRow.id.desc())
    if user is None:
        return session.scalars(select(NotificationRow).order_by(*newest).limit(limit)).all()
    # One walk of the (recipient, created_at, id) index per recipient, newest first, each stopped at
    # ``limit``, and the newest of them all kept: an OR of the recipients had the database gather
    # and sort every notification ever sent to the person's roles.
    keys_of: dict[str, set[str]] = {}  # role → the interventions it is held in
    anywhere: set[str] = set()  # roles held in every intervention (a scope without process keys)
    for held, keys in ([(groups or (), process_keys or ())] if scopes is None else scopes):
        for group in held:
            if keys is None:
                anywhere.add(group)
            else:
                keys_of.setdefault(group, set()).update(keys)
    branches = [and_(NotificationRow.recipient == user, NotificationRow.recipient_kind == "user")]
    branches += [and_(NotificationRow.recipient == group, NotificationRow.recipient_kind == "group")
                 for group in sorted(anywhere)]
    branches += [and_(NotificationRow.recipient == group, NotificationRow.recipient_kind == "group",
                      NotificationRow.process_key.in_(sorted(keys)))
                 for group, keys in sorted(keys_of.items()) if keys and group not in anywhere]
    found: dict[str, NotificationRow] = {}
    for branch in branches:
        for row in session.scalars(select(NotificationRow).where(branch).order_by(*newest).limit(limit)):
            found[row.id] = row
    return sorted(found.values(), key=lambda r: (r.created_at, r.id), reverse=True)[:limit]


def open_task_ids(session: Session, task_ids: Iterable[str]) -> set[str]:
    """Which of these tasks are still open (the rest were completed or withdrawn)."""
    ids = list(set(task_ids))
    if not ids:
        return set()
    return set(session.scalars(select(HumanTaskRow.id).where(HumanTaskRow.id.in_(ids))))


def cases_by_id(session: Session, case_ids: Iterable[str]) -> dict[str, CaseRow]:
    """The cases' participant, who started them and their data; the rest of the row (the state above
    all) is loaded only if asked for."""
    ids = list(set(case_ids))
    if not ids:
        return {}
    query = select(CaseRow).where(CaseRow.id.in_(ids)).options(
        load_only(CaseRow.id, CaseRow.participant, CaseRow.started_by, CaseRow.data))
    return {row.id: row for row in session.scalars(query)}


def pausing_elements(session: Session, case_ids: Iterable[str]) -> dict[str, str | None]:
    """Per case: the element of the task that paused it (``pausar_arendet``), or None when a person
    paused it; the case's latest ``CasePaused`` event decides."""
    ids = list(set(case_ids))
    if not ids:
        return {}
    latest = (select(CaseEventRow.case_id, func.max(CaseEventRow.id).label("id"))
              .where(CaseEventRow.case_id.in_(ids), CaseEventRow.event == "CasePaused")
              .group_by(CaseEventRow.case_id).subquery())
    rows = session.execute(select(CaseEventRow.case_id, CaseEventRow.element)
                           .join(latest, CaseEventRow.id == latest.c.id))
    return {row[0]: row[1] for row in rows}


def add_event(session: Session, row: CaseEventRow) -> None:
    session.add(row)


def last_event(session: Session, case_id: str, event: str) -> CaseEventRow | None:
    """The case's latest event of that name in its history, or None."""
    return session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case_id, CaseEventRow.event == event)
                           .order_by(CaseEventRow.id.desc()).limit(1)).first()


# Plain rows, not ORM objects: a long history (a case followed monthly for a year has hundreds of
# events) cost a few tens of microseconds an event to load into the session.
_EVENTS_OF_CASE = (select(*CaseEventRow.__table__.c).where(CaseEventRow.case_id == bindparam("case_id"),
                                                           CaseEventRow.id > bindparam("after"))
                   .order_by(CaseEventRow.id))


def events_of_case(session: Session, case_id: str, after: int | None = None) -> Sequence[Any]:
    """The case's events (rows with a case event's columns), oldest first; with ``after``, those
    written after the event of that id."""
    return session.execute(_EVENTS_OF_CASE, {"case_id": case_id, "after": -1 if after is None else after}).all()
