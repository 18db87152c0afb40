"""One change to one case, as one transaction: lock → load → act → step → save → commit.

The state, the read models (open tasks, timers, due time), the case data and the history are
written together, so that a crash at any point leaves either all of a step or none of it. A step
that fails rolls everything back and, in a second transaction, marks the case as an incident.

Recently used workflows stay in memory keyed by case and revision: the database revision is
checked under the lock, so a workflow changed elsewhere (another process) is loaded afresh.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from engine import clock as clock_module
from engine import events
from engine.cases import follow_up_rows
from engine.cases.catalog import Catalog
from engine.cases.history import history_row, json_safe
from engine.clock import Clock, PinnedClock
from engine.errors import (
    CaseNotStarted,
    ConcurrentModification,
    Conflict,
    DuplicateCase,
    NotFound,
    StepFailed,
)
from engine.events import Event
from engine.language import expressions, timers
from engine.language.notice_templates import Notices
from engine.language.task_attributes import assignment
from engine.language.timers import Duration
from engine.notifications import composing, outbox
from engine.notifications.outbox import NewNotification
from engine.persistence import case_message_store, followup_store, outbox_store, store
from engine.persistence.db import Database, Session
from engine.persistence.mapping import case_view, task_view
from engine.persistence.models import NO_DUE_DATE, CaseRow, HumanTaskRow
from engine.spiff import case_messages, case_queries, compaction, deep, multi_instance, runtime, start_events, state
from engine.spiff.case_messages import SENDER, Outgoing
from engine.spiff.script_engine import ENGINE_FUNCTIONS, SafeScriptEngine
from engine.spiff.specs import camunda_attribute, form_of, task_flag, task_property, title_of
from engine.views import Case, Task

#: The task property by which a model pauses its case while the task is open (docs/modeling.md).
PAUSES_CASE = "pausar_arendet"

#: What a change does to a case: act on its workflow (and row), recording what happened in the step.
Action = Callable[[Any, CaseRow, "Step"], None]
#: What the caller writes in the transaction of a change, given the session and the case's id: it is
#: committed with the change or not at all (the access-log entry of the person who made it).
Alongside = Callable[[Session, str], None]
#: What a change's look at its case found: the case's row, and its open tasks when the look read them
#: too (None: read them when needed).
Found = tuple[CaseRow, Sequence[HumanTaskRow] | None]

#: How often a change is stepped again when the case changed between its snapshot and its write.
CHANGE_ATTEMPTS = 3

ROLE_ATTRIBUTES = ("candidateGroups", "candidateUsers", "assignee", "dueDate", "followUpDate")
#: The task property naming the roles an overdue task is escalated to (default: its candidate groups).
ESCALATE_TO = "eskalera_till"


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@dataclass
class Step:
    """What an action did, for the history: events to append, filled in by the action."""

    actor: str
    events: list[Event] = field(default_factory=list)
    status: str | None = None
    #: Set by an action that found nothing to do (e.g. a timer another worker already fired).
    unchanged: bool = False
    #: How far the deadlines of the case's open tasks move on (a resumed case: the days it was paused).
    shift: Duration | None = None
    #: The messages from other cases this step took in (their ids), settled in its transaction.
    delivered: list[int] = field(default_factory=list)

    def record(self, event: Event) -> None:
        self.events.append(event)


@dataclass
class Planned:
    """What saving one case's step writes, worked out before anything is written."""

    row: CaseRow
    workflow: Any
    new: bool
    values: dict[str, Any]  # the case row's new columns
    history: list[dict[str, Any]]
    notifications: list[NewNotification]
    now: datetime
    removed_tasks: list[str]
    added_tasks: list[HumanTaskRow]
    timers: list[dict[str, Any]] | None  # None: the waiting timers did not change
    tasks: list[Task]  # the open tasks after the step
    shift: Duration | None = None  # how far the deadlines of the open tasks kept move on
    follow_up: dict[str, Any] | None = None  # the case's follow-up row (None: the model declares none)
    contact_month: dict[str, str] | None = None  # the monthly contact this step did (follow-up)
    sent: list[dict[str, Any]] = field(default_factory=list)  # messages to other cases (case_messages rows)
    delivered: list[int] = field(default_factory=list)  # messages from other cases this step took in

    @property
    def case(self) -> Case:
        return case_view(self.row, self.tasks)


class WorkflowCache:
    """Recently used workflows by case id, each with the revision it belongs to.

    A workflow in the cache is used by nobody (a taker removes it), so one dropped from it, for
    being old or the least recently used, is taken apart (:func:`runtime.discard`) rather than left
    for the cyclic garbage collector."""

    def __init__(self, size: int = 2000) -> None:
        self._items: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def take(self, case_id: str, revision: int) -> Any | None:
        """Remove and return the cached workflow if it is at ``revision``: the taker owns it now."""
        with self._lock:
            item = self._items.pop(case_id, None)
        if item is None:
            return None
        if item[0] == revision:
            return item[1]
        runtime.discard(item[1])
        return None

    def put(self, case_id: str, revision: int, workflow: Any) -> None:
        dropped = []
        with self._lock:
            replaced = self._items.pop(case_id, None)
            if replaced is not None and replaced[1] is not workflow:
                dropped.append(replaced[1])
            self._items[case_id] = (revision, workflow)
            while len(self._items) > self._size:
                dropped.append(self._items.popitem(last=False)[1][1])
        for old in dropped:
            runtime.discard(old)

    def clear(self) -> None:
        with self._lock:
            dropped = [workflow for _revision, workflow in self._items.values()]
            self._items.clear()
        for old in dropped:
            runtime.discard(old)


class CaseRunner:
    def __init__(self, db: Database, catalog: Catalog, clock: Clock, *, allow_scripts: bool = False,
                 cache_size: int = 2000) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.script_engine = SafeScriptEngine(allow_scripts=allow_scripts)
        self.cache = WorkflowCache(cache_size)
        self._process_names: dict[int, str] = {}  # a version's name never changes
        #: Called after a step that sent messages to other cases is written: the engine delivers them.
        self.after_sending: Callable[[], Any] | None = None
        self._sending = threading.local()

    # --- the unit of work ------------------------------------------------------------------------

    def create(self, row: CaseRow, data: dict[str, Any], actor: str, *,
               message: tuple[int | None, str, dict[str, Any]] | None = None,
               alongside: Alongside | None = None) -> Case:
        """Start a new case's workflow and store it with its first steps; ``message`` (its id among
        the messages cases sent, None for one from outside; its name and data) is one the process
        starts on, taken in by this step."""
        bundle = self.catalog.bundle(row.process_version_id)
        step = Step(actor)

        def begin() -> Any:
            with self.db.reading() as session, clock_module.using(self.clock), expressions.allowance(), \
                    case_queries.answered_by(SessionQueries(session, row.id)):
                workflow = bundle.new_workflow(self.script_engine)
                awaits = start_events.message_start_element(workflow.spec, message[1]) if message else None
                runtime.start(workflow, data, awaits=awaits)
                if message is not None:
                    runtime.deliver_message(workflow, message[1], message[2])
                    step.record(events.MessageReceived(message[1], message[2]))
                    if message[0] is not None:
                        step.delivered.append(message[0])
                return workflow

        try:
            # The first steps run before the write lock is taken: nothing of the case exists yet.
            workflow = runtime.guarded(row.id, begin)
            with self.db.transaction() as session:
                if row.participant_key and store.open_case_for(session, row.process_key, row.participant_key):
                    raise DuplicateCase("the participant already has an open case in this intervention")
                step.record(events.CaseStarted(row.process_key))
                with clock_module.using(self.clock), expressions.allowance():
                    saved = self.save(session, row, workflow, step, new=True)
                if alongside is not None:
                    alongside(session, row.id)
        except StepFailed as failed:  # no case was stored: there is no case to mark as an incident
            raise CaseNotStarted(failed.element, failed.reason) from failed
        self.cache.put(row.id, row.revision, workflow)
        self._deliver_what_was_sent()
        return saved

    def create_in(self, session: Session, row: CaseRow, data: dict[str, Any], actor: str, *,
                  opened_by: str, at: datetime) -> Case:
        """Start a case its process's timer start event ``opened_by`` opens, "at" the occurrence's
        moment, in the caller's transaction (which also moves the start timer on): its first steps
        run before anything is written: their failure (CaseNotStarted) leaves nothing of the case behind."""
        bundle = self.catalog.bundle(row.process_version_id, session)
        step = Step(actor)
        with clock_module.using(PinnedClock(at)), expressions.allowance(), \
                case_queries.answered_by(SessionQueries(session, row.id)):
            def begin() -> Any:
                workflow = bundle.new_workflow(self.script_engine)
                runtime.start(workflow, data, opened_by=opened_by)
                return workflow

            try:
                workflow = runtime.guarded(row.id, begin, opened_by)
            except StepFailed as failed:
                raise CaseNotStarted(failed.element, failed.reason) from failed
            step.record(events.CaseStarted(row.process_key))
            step.record(events.TimerFired(opened_by, at))
            saved = self.save(session, row, workflow, step, new=True)
        runtime.discard(workflow)
        return saved

    def change(self, case_id: str, actor: str, action: Action, *,
               statuses: tuple[str, ...] = ("open",)) -> Case | None:
        """Apply ``action`` to the case's workflow and save everything, or nothing. Returns the case
        as saved (None when the action found nothing to do)."""
        def find(session: Session, lock: bool) -> Found:
            row = store.lock_case(session, case_id) if lock else store.get_case(session, case_id, with_state=False)
            if row is None:
                raise NotFound(f"case {case_id} does not exist")
            return row, None

        return self._change(find, actor, action, statuses)

    def change_task(self, task_id: str, actor: str, check: Callable[[HumanTaskRow, CaseRow], None], action: Action,
                    *, alongside: Alongside | None = None) -> Case:
        """Apply ``action`` to the case of an open task; ``check`` may refuse the task (given its row and
        its case's) before anything is loaded, and again as the step is written. Returns the case as saved."""
        def find(session: Session, lock: bool) -> Found:
            if lock:
                locked = store.lock_case_of_task(session, task_id)
                if locked is None:
                    raise Conflict(f"task {task_id} is no longer open")
                check(*locked)
                return locked[1], None
            found = store.case_of_task_with_tasks(session, task_id)  # the case's tasks with it, one read
            if found is None:
                raise Conflict(f"task {task_id} is no longer open")
            task, case, tasks = found
            check(task, case)
            return case, tasks

        # the action refuses what a pause forbids
        saved = self._change(find, actor, action, ("open", "paused"), alongside)
        if saved is None:
            raise Conflict(f"task {task_id} was not changed")
        return saved

    def _change(self, find: Callable[[Session, bool], Found], actor: str, action: Action,
                statuses: tuple[str, ...], alongside: Alongside | None = None) -> Case | None:
        """Step the case from a snapshot, taking no lock, then take the lock only to check that
        nobody changed the case meanwhile and to write the step: on SQLite the database's one write
        lock is never held while a designer's expressions run. A case changed meanwhile is stepped
        again from its new state (a few times at most: ConcurrentModification)."""
        for attempt in range(1, CHANGE_ATTEMPTS + 1):
            try:
                return self._change_once(find, actor, action, statuses, alongside)
            except ConcurrentModification:
                if attempt == CHANGE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _change_once(self, find: Callable[[Session, bool], Found], actor: str, action: Action,
                     statuses: tuple[str, ...], alongside: Alongside | None) -> Case | None:
        plan: Planned | None = None
        with self.db.reading() as session:
            row, tasks = find(session, False)
            if row.status not in statuses:
                raise Conflict(f"case {row.id} is {row.status}")
            workflow = self._workflow(session, row)
            step = Step(actor)
            still = self._paused_at(session, row)
            try:
                with clock_module.using(self.clock), expressions.allowance(), runtime.timers_standing_still(still), \
                        case_queries.answered_by(SessionQueries(session, row.id)):
                    action(workflow, row, step)
                    if not step.unchanged:
                        existing = list(tasks if tasks is not None else store.tasks_of_case(session, row.id))
                        plan = self._plan(session, row, workflow, step, existing, new=False)
            except StepFailed as failed:
                runtime.discard(workflow)
                self._record_incident(failed.case_id, failed, actor)
                raise
        if plan is not None:
            try:
                with self.db.transaction() as session:
                    if find(session, True)[0].revision != row.revision:
                        raise ConcurrentModification(f"case {row.id} was changed by someone else; try again")
                    self._write(session, [plan])
                    if alongside is not None:
                        alongside(session, row.id)
            except Exception:
                runtime.discard(workflow)
                raise
        self.cache.put(row.id, row.revision, workflow)
        self._deliver_what_was_sent()
        return plan.case if plan is not None else None

    def _deliver_what_was_sent(self) -> None:
        """After a step is written: if it sent messages to other cases, they are delivered now."""
        if getattr(self._sending, "sent", False) and self.after_sending is not None:
            self._sending.sent = False
            self.after_sending()

    @staticmethod
    def _paused_at(session: Session, row: CaseRow) -> datetime | None:
        """When a paused case stopped (its timers are held there while it is stepped), else None."""
        if row.status != "paused":
            return None
        paused = store.last_event(session, row.id, events.CasePaused.event)
        return paused.at if paused is not None else None

    def _workflow(self, session: Session, row: CaseRow) -> Any:
        cached = self.cache.take(row.id, row.revision)
        if cached is not None:
            runtime.take_notices(cached)  # nothing from an earlier, unsaved attempt is sent
            return cached
        bundle = self.catalog.bundle(row.process_version_id, session)
        return runtime.guarded(row.id, lambda: state.load(row.state, row.serializer_version, bundle,
                                                          self.script_engine))

    def change_many(self, claim: Callable[[Session], Sequence[CaseRow]], actor: str,
                    action: Callable[[Any, CaseRow, Step], None]) -> list[Case]:
        """Apply ``action`` to each case ``claim`` finds and locks, and write them all in one
        transaction, a few statements for the lot (the scheduler's way through a burst of timers).
        A case whose step fails is left out and marked as an incident in the same transaction; the
        others are saved. Returns the cases as saved."""
        plans: list[Planned] = []
        with self.db.transaction() as session:
            rows = list(claim(session))
            if not rows:
                return []
            existing = store.tasks_of_cases(session, [row.id for row in rows])
            failures: list[tuple[CaseRow, StepFailed]] = []

            def step_each() -> None:
                for row in rows:
                    try:
                        workflow = self._workflow(session, row)
                        step = Step(actor)
                        with clock_module.using(self.clock), expressions.allowance(), \
                                case_queries.answered_by(SessionQueries(session, row.id)):
                            action(workflow, row, step)
                            if not step.unchanged:
                                plans.append(self._plan(session, row, workflow, step, existing.get(row.id, []),
                                                        new=False))
                    except StepFailed as error:
                        failures.append((row, error))

            deep.call(step_each)  # one hand-over to a deep-stack thread for the batch, not two per case
            self._write(session, plans)
            for row, failed in failures:
                self._incident(session, row, failed, actor)
        for plan in plans:
            # Not kept: a case whose timer fired is seldom touched again soon by this process (a
            # worker's next look at it is its next timer), and a cache of them is what made the
            # cyclic garbage collector walk hundreds of thousands of objects (docs/benchmarks.md).
            runtime.discard(plan.workflow)
        self._deliver_what_was_sent()
        return [plan.case for plan in plans]

    def save(self, session: Session, row: CaseRow, workflow: Any, step: Step, new: bool = False) -> Case:
        """Write the step: state, read models and history, in the caller's transaction. Returns the
        case as it now stands, so that nobody has to read it back. A ``new`` case's row is inserted
        here, with what its first steps made of it (one statement; DuplicateCase for a second open
        case of the participant)."""
        existing = [] if new else list(store.tasks_of_case(session, row.id))
        plan = self._plan(session, row, workflow, step, existing, new)
        if new:
            for key, value in plan.values.items():
                setattr(row, key, value)
            store.add_case(session, row)
        self._write(session, [plan])
        return plan.case

    def _plan(self, session: Session, row: CaseRow, workflow: Any, step: Step, existing: list[HumanTaskRow],
              new: bool) -> Planned:
        """Everything saving the step writes, worked out before anything is written (the session is
        only read), so that a step that fails here leaves nothing behind and a batch of cases can be
        written together."""
        now = clock_module.now()
        self._pause_as_the_model_says(session, row, workflow, step)
        seen = runtime.snapshot(workflow)
        written = self._notices(session, row, workflow, step, existing, new)
        sent = [self._sent(row, message, step, now) for message in case_messages.take(workflow)]
        status = row.status
        if step.status is not None:
            status = step.status
        elif seen.completed and status == "open":
            status = "completed"
            step.record(events.CaseCompleted())
        closed = status in ("completed", "cancelled")
        closed_at = now if closed and row.closed_at is None else row.closed_at
        ready = {} if closed else {str(t.id): t for t in seen.ready_user_tasks}
        specs = getattr(workflow, "engine_notices", {})
        added = self._new_tasks(session, row, ready, existing, step, now, written, specs)
        removed = [t for t in existing if t.id not in ready]
        done = {event.task_id for event in step.events if isinstance(event, events.TaskCompleted)}
        withdrawn = [t for t in removed if t.id not in done]
        for task in withdrawn:  # the case closed, an event interrupted the step, its activity ended
            step.record(events.TaskWithdrawn(task.element, task.id, task.title))
        written += self._cancelled_meetings(session, row, withdrawn, step, now, specs)
        kept = [_shifted(task_view(t), step.shift) for t in existing if t.id in ready]
        timers = [] if closed else [
            {"id": t.task_id, "element": t.element, "title": t.title, "due_at": t.due_at.isoformat()}
            for t in seen.timers
        ]
        schedulable = status == "open" and row.incident is None
        runtime.prune_finished_cycle_branches(workflow, [] if closed else seen.cycles)
        compaction.compact(workflow)
        values: dict[str, Any] = {
            "status": status,
            "state": state.dump(workflow),
            "serializer_version": state.SERIALIZER_VERSION,
            "data": json_safe(seen.data),
            "next_due_at": min((datetime.fromisoformat(t["due_at"]) for t in timers), default=None)
            if schedulable else None,
            "incident": row.incident,
            "waiting_messages": [] if closed else seen.messages,
            "waiting_timers": timers,
            "updated_at": now,
            "closed_at": closed_at,
        }
        history = [history_row(row.id, now, step.actor, event) for event in step.events]
        tasks = sorted(kept + [task_view(t) for t in added], key=lambda t: (t.created_at, t.id))
        indicators = self.catalog.indicators(row.process_version_id, session)
        completed = [e.element for e in step.events if isinstance(e, events.TaskCompleted)]
        follow_up = follow_up_rows.row_values(
            indicators, case_id=row.id, process_key=row.process_key, status=status, created_at=row.created_at,
            closed_at=closed_at, data=seen.data, open_tasks=tasks, completed=completed, now=now,
        ) if indicators.declared else None
        contact_month = follow_up_rows.contact_month(indicators, row.id, completed, now)
        return Planned(
            row=row, workflow=workflow, new=new, values=values, history=history, notifications=written, now=now,
            removed_tasks=[t.id for t in removed], added_tasks=added,
            timers=[{"id": t["id"], "case_id": row.id, "element": t["element"], "title": t["title"],
                     "due_at": datetime.fromisoformat(t["due_at"])} for t in timers]
            if new or timers != (row.waiting_timers or []) else None,
            tasks=tasks, shift=step.shift, follow_up=follow_up, contact_month=contact_month,
            sent=[row_ for row_ in sent if row_ is not None], delivered=list(step.delivered),
        )

    @staticmethod
    def _sent(row: CaseRow, message: Outgoing, step: Step, now: datetime) -> dict[str, Any] | None:
        """The row a message or signal the step sent is kept in until it is delivered (None: it
        goes to a party outside the engine, and the history is all that records it)."""
        step.record(events.MessageSent(message.element, message.kind, message.name, message.to_process,
                                       message.to_cases))
        if message.to_process is None:
            return None
        return {"sender_case_id": row.id, "element": message.element, "kind": message.kind, "name": message.name,
                "to_process": message.to_process, "to_case": None, "created_at": now,
                "data": json_safe({**message.data, SENDER: row.id}), "cases": message.to_cases}

    def _pause_as_the_model_says(self, session: Session, row: CaseRow, workflow: Any, step: Step) -> None:
        """A task the model marks ``pausar_arendet`` holds the case still while it is open (sick
        leave): the step that opens it pauses the case, the step that ends it (done, or interrupted
        by a message) resumes it, its clock moved on by the days it stood still."""
        status = step.status or row.status
        if status not in ("open", "paused"):
            return
        pausing = [t for t in runtime.ready_user_tasks(workflow) if pauses_case(t.task_spec)]
        if status == "open" and pausing:
            step.status = "paused"
            spec = pausing[0].task_spec
            step.record(events.CasePaused(title_of(spec), element=runtime.element_of(spec)))
        elif status == "paused" and not pausing and step.status is None:
            paused = store.last_event(session, row.id, events.CasePaused.event)
            if paused is not None and paused.element:  # the model paused it, not a person
                resume(workflow, row, step, paused.at)

    def _write(self, session: Session, plans: Sequence[Planned]) -> None:
        """Write planned steps: one statement per table for all of them."""
        if not plans:
            return
        store.remove_tasks(session, [task_id for plan in plans for task_id in plan.removed_tasks])
        for plan in plans:
            if plan.shift:  # before the new tasks are added: theirs are timed from now already
                store.shift_task_deadlines(session, plan.row.id, plan.shift.add_to)
        store.add_tasks(session, [task for plan in plans for task in plan.added_tasks])
        store.replace_timers_of(session, [p.row.id for p in plans if p.timers is not None and not p.new],
                                [timer for plan in plans for timer in plan.timers or ()])
        store.save_case_states(session, [(p.row, p.values) for p in plans if not p.new])
        for plan in plans:
            if not plan.new:  # written: the row object takes the values without becoming dirty again
                store.saved(plan.row, plan.values)
        store.add_events(session, [event for plan in plans for event in plan.history])
        followup_store.write(session, [plan.follow_up for plan in plans if plan.follow_up is not None])
        followup_store.add_contacts(session, [p.contact_month for p in plans if p.contact_month is not None])
        for plan in plans:
            outbox.write(session, plan.notifications, plan.now)
        sent = [dict(message, to_case=case) for plan in plans for message in plan.sent
                for case in (message["cases"] if message["cases"] is not None else (None,))]
        case_message_store.add(session, [{k: v for k, v in m.items() if k != "cases"} for m in sent])
        if sent:
            self._sending.sent = True
        for plan in plans:
            for message_id in plan.delivered:
                if not case_message_store.settle(session, message_id, "delivered", plan.now, plan.row.id):
                    raise ConcurrentModification(f"message {message_id} was delivered by someone else")

    def _notices(self, session: Session, row: CaseRow, workflow: Any, step: Step, existing: list[HumanTaskRow],
                 new: bool) -> list[NewNotification]:
        """The notifications of the notices (``meddela``) of the elements this step did."""
        pending = runtime.take_notices(workflow)
        if not pending:
            return []
        specs = getattr(workflow, "engine_notices", {})
        revision = row.revision if new else row.revision + 1  # unique to this step: the revision it saves
        context = self._context(session, row)
        holders = {t.id: t for t in existing}
        written: list[NewNotification] = []
        for index, done in enumerate(pending):
            spec = specs[done.element]
            task = holders.get(done.task_id)
            rows, event = composing.notice(
                spec, element=done.element, context=context, task_id=done.task_id, at=done.at, data=done.data,
                holder=step.actor if spec.user_task else None,
                candidate_groups=task.candidate_groups if task is not None else (),
                key=f"notice:{row.id}:{revision}:{index}",
            )
            written += rows
            step.record(event)
        return written

    def _context(self, session: Session, row: CaseRow) -> composing.CaseContext:
        name = self._process_names.get(row.process_version_id)
        if name is None:
            name = store.version_name(session, row.process_version_id) or row.process_key
            self._process_names[row.process_version_id] = name
        return composing.CaseContext(row, name)

    def _new_tasks(self, session: Session, row: CaseRow, ready: dict[str, Any], existing: list[HumanTaskRow],
                   step: Step, now: datetime, written: list[NewNotification], specs: Notices) -> list[HumanTaskRow]:
        """Rows for the user tasks that became ready in this step (and meeting invitations for them)."""
        known = {t.id for t in existing}
        added: list[HumanTaskRow] = []
        meetings = {element: spec for element, spec in specs.items() if spec.calendar}
        for task_id, task in ready.items():
            if task_id in known:
                continue
            spec = task.task_spec
            element = runtime.element_of(spec)
            attributes = {name: camunda_attribute(spec, name) for name in ROLE_ATTRIBUTES}
            with runtime.step_errors(row.id, element):
                given = assignment(attributes, task.data, ENGINE_FUNCTIONS, now)
            added.append(HumanTaskRow(
                id=task_id, case_id=row.id, process_key=row.process_key, element=element,
                title=multi_instance.task_title(task), lane=getattr(spec, "lane", None),
                candidate_groups=list(given.candidate_groups), candidate_users=list(given.candidate_users),
                assignee=given.assignee, due_at=given.due_at, follow_up_at=given.follow_up_at,
                created_at=now, form=form_of(spec).as_json(), inbox_order=given.due_at or NO_DUE_DATE,
                remind_at=given.follow_up_at, escalate_at=given.due_at,
                escalate_to=_names(task_property(spec, ESCALATE_TO)) or list(given.candidate_groups),
            ))
            step.record(events.TaskCreated(element, task_id, multi_instance.task_title(task)))
            if element in meetings:
                rows, invited = composing.invitation(meetings[element], context=self._context(session, row),
                                                     task=added[-1], data=task.data, at=now)
                written += rows
                step.record(invited)
        return added

    def _cancelled_meetings(self, session: Session, row: CaseRow, withdrawn: list[HumanTaskRow], step: Step,
                            now: datetime, specs: Notices) -> list[NewNotification]:
        """Meeting tasks that went away without being done: the calendar invitations sent for them
        are cancelled."""
        meetings = {element for element, spec in specs.items() if spec.calendar}
        gone = [t for t in withdrawn if t.element in meetings]
        if not gone:
            return []
        invited = outbox_store.invitations_of(session, row.id, [t.id for t in gone])
        written: list[NewNotification] = []
        for task in gone:
            sent = [d for d in invited if d.topic == f"invitation:{task.id}"]
            if sent:
                rows, cancelled = composing.cancellation(context=self._context(session, row), task=task,
                                                         invited=sent, at=now)
                written += rows
                step.record(cancelled)
        return written

    def _record_incident(self, case_id: str, failed: StepFailed, actor: str) -> None:
        with self.db.transaction() as session:
            row = store.lock_case(session, case_id)
            if row is not None:
                self._incident(session, row, failed, actor)

    def _incident(self, session: Session, row: CaseRow, failed: StepFailed, actor: str) -> None:
        """Mark the (locked) case as an incident: out of the schedule until someone looks at it."""
        now = self.clock.now()
        store.save_case_state(session, row, row.revision, {
            "incident": {"element": failed.element, "message": failed.message, "at": now.isoformat(),
                         "traceback": failed.traceback()},
            "next_due_at": None,
            "updated_at": now,
        })
        raised = events.IncidentRaised(failed.element, failed.message)
        store.add_events(session, [history_row(row.id, now, actor, raised)])


class SessionQueries:
    """The answers to a model's questions about other cases (engine/spiff/case_queries.py), read
    in the transaction of the step that asks; the asking case itself is never among them."""

    def __init__(self, session: Session, asking: str) -> None:
        self.session = session
        self.asking = asking

    def count_open(self, process_key: str, field: str | None, value: Any) -> int:
        return case_message_store.count_open(self.session, process_key, field, value, other_than=self.asking)

    def waiting(self, process_key: str, message: str, field: str | None, value: Any) -> list[dict[str, Any]]:
        return [c for c in case_message_store.waiting_summaries(self.session, process_key, message, field, value)
                if c["arende"] != self.asking]


def new_case_id() -> str:
    return str(uuid.uuid4())


def _shifted(task: Task, shift: Duration | None) -> Task:
    if not shift:
        return task
    return replace(task, due_at=shift.add_to(task.due_at) if task.due_at else None,
                   follow_up_at=shift.add_to(task.follow_up_at) if task.follow_up_at else None)


def pauses_case(task_spec: Any) -> bool:
    """Whether the model marks the task as holding its case still while open (``pausar_arendet``)."""
    return task_flag(task_spec, PAUSES_CASE)


def resume(workflow: Any, row: CaseRow, step: Step, paused_at: datetime) -> None:
    """Let a paused case go on. Its clock stood still: every waiting timer and every open task's
    dates move on by the calendar days it was paused, so nothing falls due at once for having
    waited (a monthly contact is not owed twice; twelve months of participation stay twelve)."""
    days = max(timers.calendar_days_between(paused_at, clock_module.now()), 0)
    if days:
        shift = Duration(days=days)
        runtime.guarded(row.id, lambda: runtime.shift_timers(workflow, shift))
        step.shift = shift
    step.status = "open"
    step.record(events.CaseResumed(days))
