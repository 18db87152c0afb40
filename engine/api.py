"""The one entry point into the engine: :class:`WorkflowEngine`.

Verbs change cases (``start_case``, ``claim_task``, ``complete_task``, ``send_message``,
``pause_case``, ``run_due_timers`` …); queries read them. Everything returned is a frozen view
from :mod:`engine.views`; everything raised is an :class:`~engine.errors.EngineError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock as clock_module
from engine import events
from engine.cases import deadlines
from engine.cases.catalog import Catalog, version_view
from engine.cases.operations import OperationsVerbs
from engine.cases.runner import CaseRunner, Step, new_case_id
from engine.clock import Clock, PinnedClock, SimulatedClock, SystemClock
from engine.errors import Conflict, DuplicateCase, InvalidFormData, InvalidInput, NotFound, Problem, StepFailed
from engine.language import forms
from engine.persistence import store
from engine.persistence.db import Database
from engine.persistence.mapping import case_view, form_view, task_view
from engine.persistence.models import CaseEventRow, CaseRow
from engine.spiff import runtime
from engine.spiff.loading import SourceFile
from engine.views import Case, CaseEvent, DueRun, Notification, ProcessVersion, Task, Timer

#: How many occurrences one case may fire in one catch-up before it is treated as a runaway loop.
MAX_FIRINGS_PER_CASE = 5_000
#: Cases whose due timers one scheduler transaction fires (and holds locked meanwhile).
TIMER_BATCH = 25


class WorkflowEngine(OperationsVerbs):
    """Runs the journeys. Thread-safe; any number may share one database.

    The operations verbs (``operations``, ``deliveries``, ``retry_delivery``, ``discard_delivery``,
    ``record_tick``) are in :mod:`engine.cases.operations`.
    """

    def __init__(self, database: Database | str | None = None, *, clock: Clock | None = None,
                 allow_scripts: bool | None = None, migrate: bool = True) -> None:
        self.db = database if isinstance(database, Database) else Database(database)
        if migrate:
            self.db.migrate()
        self.clock: Clock = clock or SystemClock()
        if allow_scripts is None:
            allow_scripts = os.environ.get("SAMVERKAN_ALLOW_SCRIPTS") == "1"
        self.catalog = Catalog(self.db, allow_scripts=allow_scripts)
        self.runner = CaseRunner(self.db, self.catalog, self.clock, allow_scripts=allow_scripts)

    # --- processes -----------------------------------------------------------------------------

    def validate(self, files: Sequence[SourceFile]) -> list[Problem]:
        """Every problem in the files (``severity`` "error" or "warning"); none means deployable."""
        return self.catalog.validate(files)

    def deploy(self, files: Sequence[SourceFile], actor: str) -> list[ProcessVersion]:
        """Deploy the files as new versions of their process keys; raises InvalidProcess if invalid."""
        return self.catalog.deploy(files, actor, self.clock.now())

    def processes(self) -> list[ProcessVersion]:
        """The newest version of every process key."""
        with self.db.transaction() as session:
            return [version_view(r) for r in store.latest_versions(session)]

    def versions(self, key: str) -> list[ProcessVersion]:
        with self.db.transaction() as session:
            return [version_view(r) for r in store.versions_of(session, key)]

    # --- cases ---------------------------------------------------------------------------------

    def start_case(self, process_key: str, *, participant: Mapping[str, Any] | None = None,
                   data: Mapping[str, Any] | None = None, participant_key: str | None = None,
                   actor: str = "system") -> Case:
        """Start a case on the newest version of ``process_key`` with the given initial data.

        ``participant_key`` identifies the person (e.g. a normalised personnummer): a second open
        case for the same key in the same process raises DuplicateCase.
        """
        initial = _json_values(data or {})
        with self.db.transaction() as session:
            version = store.latest_version(session, process_key)
            if version is None:
                raise NotFound(f"process '{process_key}' is not deployed")
            version_id, version_number = version.id, version.version
        now = self.clock.now()
        row = CaseRow(
            id=new_case_id(), process_key=process_key, process_version_id=version_id,
            process_version=version_number, status="open",
            participant_key=participant_key, participant=dict(participant or {}), started_by=actor, data={}, state="",
            serializer_version="", revision=1, created_at=now, updated_at=now,
        )
        try:
            return self.runner.create(row, initial, actor)
        except IntegrityError as err:
            raise DuplicateCase("the participant already has an open case in this intervention") from err

    def _changed(self, case_id: str, saved: Case | None) -> Case:
        return saved if saved is not None else self.case(case_id)

    def case(self, case_id: str) -> Case:
        with self.db.transaction() as session:
            row = store.get_case(session, case_id)
            if row is None:
                raise NotFound(f"case {case_id} does not exist")
            return case_view(row, [task_view(t) for t in store.tasks_of_case(session, case_id)])

    def cases(self, process_key: str | None = None, status: str | None = None, limit: int = 500, *,
              process_keys: Sequence[str] | None = None, started_by: str | None = None) -> list[Case]:
        """Case summaries, newest first: of one process, of several (a user's teams), or started by someone."""
        keys = [process_key] if process_key else (list(process_keys) if process_keys is not None else None)
        with self.db.transaction() as session:
            return [case_view(r) for r in store.list_cases(session, keys, status, limit, started_by)]

    def history(self, case_id: str) -> list[CaseEvent]:
        with self.db.transaction() as session:
            return [
                CaseEvent(e.id, e.case_id, e.at, e.event, e.actor, e.element, dict(e.details))
                for e in store.events_of_case(session, case_id)
            ]

    def waiting_messages(self, case_id: str) -> list[str]:
        """The message names the case is waiting for right now."""
        return list(self.case(case_id).waiting_messages)

    def pause_case(self, case_id: str, reason: str, actor: str) -> Case:
        """Hold a case: no timer fires and no task can be completed until it is resumed."""
        def pause(workflow: Any, row: CaseRow, step: Step) -> None:
            step.status = "paused"
            step.record(events.CASE_PAUSED, reason=reason)

        return self._changed(case_id, self.runner.change(case_id, actor, pause))

    def resume_case(self, case_id: str, actor: str) -> Case:
        """Resume a paused case; timers that fell due meanwhile fire on the next scheduler tick."""
        def resume(workflow: Any, row: CaseRow, step: Step) -> None:
            step.status = "open"
            step.record(events.CASE_RESUMED)

        return self._changed(case_id, self.runner.change(case_id, actor, resume, statuses=("paused",)))

    def cancel_case(self, case_id: str, reason: str, actor: str) -> Case:
        """End a case before its journey does, with the reason recorded."""
        if not reason or not reason.strip():
            raise InvalidInput("a reason is needed to cancel a case", {"reason": "required"})

        def cancel(workflow: Any, row: CaseRow, step: Step) -> None:
            runtime.guarded(row.id, lambda: runtime.cancel(workflow))
            step.status = "cancelled"
            step.record(events.CASE_CANCELLED, reason=reason.strip())

        return self._changed(case_id, self.runner.change(case_id, actor, cancel, statuses=("open", "paused")))

    def retry_incident(self, case_id: str, actor: str) -> Case:
        """Clear a case's incident and run what is due again (after the cause was fixed)."""
        def retry(workflow: Any, row: CaseRow, step: Step) -> None:
            if row.incident is None:
                raise Conflict(f"case {case_id} has no incident")
            row.incident = None
            step.record(events.INCIDENT_RESOLVED)
            _fire_due(workflow, row, step, self.clock.now())

        return self._changed(case_id, self.runner.change(case_id, actor, retry))

    def correct_case_data(self, case_id: str, data: Mapping[str, Any], reason: str, actor: str) -> Case:
        """Correct or complete a case's data (e.g. to clear the cause of an incident), with a reason."""
        if not reason or not reason.strip():
            raise InvalidInput("a reason is needed to correct case data", {"reason": "required"})
        values = _json_values(data)

        def correct(workflow: Any, row: CaseRow, step: Step) -> None:
            runtime.guarded(row.id, lambda: runtime.correct_data(workflow, values))
            step.record(events.DATA_CORRECTED, None, data=values, reason=reason.strip())

        return self._changed(case_id, self.runner.change(case_id, actor, correct, statuses=("open", "paused")))

    def send_message(self, case_id: str, name: str, data: Mapping[str, Any] | None, actor: str) -> Case:
        """Deliver a message (e.g. consent revoked) to a case that waits for it."""
        payload = _json_values(data or {})

        def deliver(workflow: Any, row: CaseRow, step: Step) -> None:
            waiting = runtime.waiting_messages(workflow)
            if name not in waiting:
                listed = ", ".join(waiting) or "no message"
                raise Conflict(f"case {case_id} is not waiting for the message '{name}' (it waits for {listed})")
            runtime.guarded(row.id, lambda: runtime.deliver_message(workflow, name, payload))
            row.incident = None
            step.record(events.MESSAGE_RECEIVED, None, name=name, data=payload)

        return self._changed(case_id, self.runner.change(case_id, actor, deliver, statuses=("open", "paused")))

    # --- tasks ----------------------------------------------------------------------------------

    def task(self, task_id: str) -> Task:
        with self.db.transaction() as session:
            row = store.get_task(session, task_id)
            if row is None:
                raise NotFound(f"task {task_id} is not open")
            return task_view(row)

    def tasks(self, *, case_id: str | None = None, process_keys: Sequence[str] | None = None,
              assignee: str | None = None, user: str | None = None, groups: Sequence[str] | None = None,
              overdue: bool = False, limit: int = 500) -> list[Task]:
        """Open human tasks, earliest due first. ``user``/``groups``: what that person may work on."""
        with self.db.transaction() as session:
            rows = store.query_tasks(
                session, case_id=case_id, process_keys=process_keys, assignee=assignee, user=user,
                groups=groups, overdue_at=self.clock.now() if overdue else None, limit=limit,
            )
            return [task_view(r) for r in rows]

    def claim_task(self, task_id: str, user: str) -> Task:
        """Take a task; a task claimed by someone else raises Conflict."""
        self._set_assignee(task_id, user, expected=None, event=events.TASK_CLAIMED)
        return self.task(task_id)

    def unclaim_task(self, task_id: str, user: str) -> Task:
        self._set_assignee(task_id, None, expected=user, event=events.TASK_UNCLAIMED)
        return self.task(task_id)

    def assign_task(self, task_id: str, assignee: str | None, actor: str) -> Task:
        """Give a task to someone, or back to its groups (a team leader's reassignment)."""
        self._set_assignee(task_id, assignee, expected=None, event=events.TASK_ASSIGNED, actor=actor, force=True)
        return self.task(task_id)

    def _set_assignee(self, task_id: str, assignee: str | None, expected: str | None, event: str,
                      actor: str | None = None, force: bool = False) -> None:
        with self.db.transaction() as session:
            task = store.get_task(session, task_id)
            if task is None:
                raise NotFound(f"task {task_id} is not open")
            case = store.get_case(session, task.case_id)
            if case is None or case.status != "open":
                raise Conflict(f"the case of task {task_id} is {case.status if case else 'gone'}")
            if task.assignee == assignee:
                return
            if not store.set_assignee(session, task_id, assignee, task.assignee if force else expected):
                raise Conflict(f"task {task_id} is claimed by {task.assignee or 'nobody'}")
            store.add_event(session, CaseEventRow(
                case_id=task.case_id, at=self.clock.now(), event=event,
                actor=actor or expected or assignee or "system", element=task.element,
                details={"task_id": task_id, "assignee": assignee, "previous": task.assignee},
            ))

    def complete_task(self, task_id: str, data: Mapping[str, Any] | None, actor: str) -> Case:
        """Complete a task with form data checked against its form; bad data changes nothing."""
        submitted = dict(data or {})
        cleaned: dict[str, Any] = {}

        def check(row: Any) -> None:
            if row.assignee is not None and row.assignee != actor:
                raise Conflict(f"task {task_id} is claimed by {row.assignee}")
            cleaned.update(forms.clean(form_view(row.form), submitted))

        def complete(workflow: Any, case: CaseRow, step: Step) -> None:
            task = runtime.find_ready_task(workflow, task_id)
            if task is None:
                raise Conflict(f"task {task_id} is no longer open")
            element = runtime.element_of(task.task_spec)
            runtime.guarded(case.id, lambda: runtime.complete(workflow, task, cleaned), element)
            case.incident = None
            step.record(events.TASK_COMPLETED, element, task_id=task_id, data=cleaned)

        saved = self.runner.change("", actor, complete, task=(task_id, check))
        assert saved is not None  # completing always saves
        return saved

    # --- time -----------------------------------------------------------------------------------

    def run_due(self, until: datetime | None = None) -> DueRun:
        """Everything the scheduler does in one tick: fire the timers, then send the reminders and
        escalations of tasks whose follow-up or due date has passed, all due by ``until``."""
        until = until or self.clock.now()
        with self.db.transaction() as session:  # the idle tick: this one statement and nothing more
            if not store.anything_due(session, until):
                return DueRun(0, 0, 0)
        timers = self.run_due_timers(until)
        reminders = escalations = 0
        while True:
            with self.db.transaction() as session:
                handled = deadlines.handle_due(session, until, self.clock.now())
            reminders += handled.reminders
            escalations += handled.escalations
            if handled.reminders + handled.escalations == 0:
                return DueRun(timers, reminders, escalations)

    def notifications(self, *, user: str | None = None, groups: Sequence[str] | None = None,
                      process_keys: Sequence[str] | None = None, limit: int = 200) -> list[Notification]:
        """Reminders and escalations addressed to a person (by name or through their roles in their
        interventions), newest first; all of them when ``user`` is None."""
        with self.db.transaction() as session:
            rows = store.notifications_for(session, user=user, groups=groups, process_keys=process_keys, limit=limit)
            return [Notification(r.id, r.kind, r.case_id, r.task_id, r.process_key, r.recipient_kind, r.recipient,
                                 r.subject, r.created_at, r.body) for r in rows]

    def run_due_timers(self, until: datetime | None = None, *, batch: int = TIMER_BATCH) -> int:
        """Fire every timer due by ``until`` (default: now), earliest first. Returns how many fired.

        A case that slept through several occurrences gets each of them, in order, each run at its
        own due time so that what follows is timed from when it should have happened. Cases are
        taken ``batch`` at a time, each batch one transaction; workers running side by side each
        take batches the others do not hold.
        """
        until = until or self.clock.now()
        fired = 0
        passed_over: set[str] = set()
        while True:
            claimed, count = self._fire_next_due(until, batch, passed_over)
            fired += count
            if not claimed:
                return fired  # nothing due, or what is left is being handled by another worker

    def _fire_next_due(self, until: datetime, batch: int, passed_over: set[str]) -> tuple[int, int]:
        """Claim the next batch of due cases and fire their timers: (cases claimed, timers fired).
        A case whose step fails becomes an incident (out of the schedule); a case still due after
        its turn is passed over for the rest of this run rather than taken again and again."""
        claimed: list[str] = []
        fired: dict[str, int] = {}

        def claim(session: Session) -> Sequence[CaseRow]:
            rows = store.claim_due_cases(session, until, batch, passed_over)
            claimed.extend(row.id for row in rows)
            return rows

        def fire(workflow: Any, row: CaseRow, step: Step) -> None:
            fired[row.id] = _fire_due(workflow, row, step, until)

        saved = self.runner.change_many(claim, "scheduler", fire)
        passed_over.update(case.id for case in saved if case.next_due_at is not None and case.next_due_at <= until)
        return len(claimed), sum(fired[case.id] for case in saved)

    def advance_clock(self, delta: timedelta | None = None, *, to: datetime | None = None) -> int:
        """Move a simulated clock forward, firing everything that falls due on the way, in order."""
        if not isinstance(self.clock, SimulatedClock):
            raise Conflict("the clock can only be moved in simulated-clock mode")
        if (delta is None) == (to is None):
            raise InvalidInput("give either a duration or a moment to move the clock to")
        target = to if to is not None else self.clock.now() + (delta or timedelta())
        if target < self.clock.now():
            raise InvalidInput("the clock does not go backwards")
        fired = 0
        while True:
            with self.db.transaction() as session:
                nxt = store.earliest_due(session)
            if nxt is None or nxt > target:
                break
            if nxt > self.clock.now():
                self.clock.set(nxt)
            fired += self.run_due(until=max(nxt, self.clock.now())).timers
        self.clock.set(target)
        return fired + self.run_due(until=target).timers

    def upcoming_timers(self, limit: int = 100) -> list[Timer]:
        with self.db.transaction() as session:
            return [Timer(t.case_id, t.element, t.title, t.due_at) for t in store.upcoming_timers(session, limit)]


def _fire_due(workflow: Any, row: CaseRow, step: Step, until: datetime) -> int:
    """Fire a case's timers due by ``until``, earliest first, each "at" its own due time."""
    count = 0
    while True:
        due = [t for t in runtime.waiting_timers(workflow) if t.due_at <= until]
        if not due:
            return count
        moment = due[0].due_at
        now_due = [t for t in due if t.due_at <= moment]
        with clock_module.using(PinnedClock(moment)):
            runtime.guarded(row.id, lambda: runtime.fire_due_timers(workflow), now_due[0].element)
        for timer in now_due:
            step.record(events.TIMER_FIRED, timer.element, due_at=timer.due_at.isoformat())
        count += len(now_due)
        if count > MAX_FIRINGS_PER_CASE:
            raise StepFailed(row.id, now_due[0].element, "the timer keeps firing: a loop without end")


def _json_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Data from outside (messages, corrections): plain JSON values under identifier keys only."""
    problems = {}
    for key, value in data.items():
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            problems[str(key)] = "names must be identifiers that do not start with _"
        elif not _is_json_value(value):
            problems[key] = "only text, numbers, true/false, null, lists and objects are allowed"
    if problems:
        raise InvalidFormData(problems)
    return dict(data)


def _is_json_value(value: Any, depth: int = 0) -> bool:
    if depth > 10:
        return False
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list):
        return all(_is_json_value(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_value(v, depth + 1) for k, v in value.items())
    return False
