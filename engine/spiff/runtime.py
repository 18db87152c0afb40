"""Driving one workflow: the small set of moves the engine makes on a SpiffWorkflow instance.

Every SpiffWorkflow exception is turned into :class:`~engine.errors.StepFailed` here, naming the
BPMN element, so the engine can leave the case unchanged and record an incident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from engine import clock as clock_module
from engine.errors import EngineError, StepFailed
from engine.language.timers import Duration
from engine.spiff import deep, joins, multi_instance, start_events, timer_events
from engine.spiff import outputs as output_parameters
from engine.spiff.event_gateways import awaited_messages, timer_element
from engine.spiff.message_events import EngineMessage, EngineSignal, message_event, repeats, signal_event
from engine.spiff.specs import task_flag, task_property, title_of
from engine.spiff.timer_events import EngineCycle, due_time
from engine.spiff.variables import publish, record, scope, variables
from engine.views.cases import WAITING_SIGNAL

T = TypeVar("T")

#: A journey that is still stepping after this many engine steps in one go is looping by itself.
MAX_STEPS = 10_000


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    element: str
    title: str
    due_at: datetime


def element_of(task_spec: Any) -> str:
    """The BPMN element id of a task spec (SpiffWorkflow's own helper specs have only a name)."""
    return str(getattr(task_spec, "bpmn_id", None) or getattr(task_spec, "name", "(process)"))


@contextmanager
def step_errors(case_id: str, fallback_element: str = "(process)") -> Iterator[None]:
    """Translate whatever SpiffWorkflow raises into a StepFailed naming the element."""
    try:
        yield
    except StepFailed:
        raise
    except SpiffWorkflowException as err:
        spec = getattr(err, "task_spec", None)
        element = element_of(spec) if spec is not None else fallback_element
        raise StepFailed(case_id, element, _describe(err)) from err
    except EngineError as err:
        raise StepFailed(case_id, getattr(err, "engine_element", fallback_element), err.message) from err
    except RecursionError as err:
        raise StepFailed(case_id, fallback_element, "the process is nested or sequenced too deeply") from err
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as err:
        element = getattr(err, "engine_element", fallback_element)
        raise StepFailed(case_id, element, f"{type(err).__name__}: {err}") from err


def _describe(err: SpiffWorkflowException) -> str:
    text = str(err).strip().rstrip(".").strip()
    inner = err.__cause__ or getattr(err, "exception", None)
    if isinstance(inner, EngineError) and inner.message not in text:
        text = f"{text}: {inner.message}"
    return text


def run_engine_steps(workflow: BpmnWorkflow, changed: dict[str, Any] | None = None, origin: Any = None) -> None:
    """Run every automatic step (gateways, events, decisions) until only people or time can move on,
    then make every value the step set (``changed``: what the action itself set, in ``origin``, the
    case by default) visible on every path that shares its variables (:func:`publish`: the case's,
    or a called process's own)."""
    steps = 0
    changes: dict[int, tuple[Any, dict[str, Any]]] = {}

    def note(flow: Any, values: dict[str, Any]) -> None:
        own = scope(flow)
        changes.setdefault(id(own), (own, {}))[1].update(values)

    note(origin or workflow, dict(changed or {}))

    def after(task: Any) -> None:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            raise StepFailed("?", element_of(task.task_spec), f"more than {MAX_STEPS} automatic steps: a loop")
        done = _set_since(task, started_with.pop(task.id))  # before() ran on it (do_engine_steps pairs them)
        if multi_instance.instance_of(task) is not None:
            return  # what an instance sets stays its own (multi_instance.py)
        record(task.workflow, done)  # tasks that start later in this step take it
        note(task.workflow, done)

    outputs = getattr(workflow, "engine_outputs", {})
    running: list[Any] = []
    started_with: dict[Any, dict[str, Any]] = {}

    def before(task: Any) -> None:
        running[:] = [task]
        _keep_interrupted_data(task)
        started_with[task.id] = dict(task.data)
        output_parameters.apply(task, outputs)
        _note_notice(workflow, task)

    try:
        workflow.do_engine_steps(will_complete_task=before, did_complete_task=after)
    except Exception as err:
        # Say which element was running, not the one acted on (unless the error names its own).
        if running and not hasattr(err, "task_spec") and not hasattr(err, "engine_element"):
            err.engine_element = element_of(running[0].task_spec)  # type: ignore[attr-defined]
        raise
    close_with_their_activity(workflow)
    for flow, values in changes.values():
        publish(flow, values)


#: A user task's property: it is withdrawn when the activity whose boundary event started it ends
#: (an escalation task is moot once the decision it chases is made; docs/modeling.md).
CLOSES_WITH_ACTIVITY = "stangs_med_aktiviteten"


def close_with_their_activity(workflow: BpmnWorkflow) -> None:
    """Withdraw the open tasks marked ``stangs_med_aktiviteten`` whose activity has ended."""
    for task in ready_user_tasks(workflow):
        if not task_flag(task.task_spec, CLOSES_WITH_ACTIVITY):
            continue
        event = task.parent
        while event is not None and not isinstance(event.task_spec, BoundaryEvent):
            event = event.parent
        if event is None or event.parent is None:
            continue
        activity = next((t for t in event.parent.children if not isinstance(t.task_spec, BoundaryEvent)), None)
        if activity is not None and activity.has_state(TaskState.FINISHED_MASK):
            task.cancel()


@dataclass(frozen=True)
class PendingNotice:
    """An element with a notice (``meddela``) was done: what the notice needs from that moment."""

    element: str
    task_id: str
    at: datetime
    data: dict[str, Any]


def _note_notice(workflow: BpmnWorkflow, task: Any) -> None:
    spec = getattr(workflow, "engine_notices", {}).get(element_of(task.task_spec))
    if spec is None or not spec.recipients:
        return
    pending: list[PendingNotice] = workflow.__dict__.setdefault("engine_pending_notices", [])
    pending.append(PendingNotice(spec.element, str(task.id), clock_module.now(),
                                 {name: task.data.get(name) for name in spec.data_names}))


def take_notices(workflow: BpmnWorkflow) -> list[PendingNotice]:
    """The notices of the elements done since the last call, oldest first (they are written with
    the step that did them, in its transaction)."""
    pending: list[PendingNotice] = workflow.__dict__.get("engine_pending_notices") or []
    workflow.__dict__["engine_pending_notices"] = []
    return pending


def _keep_interrupted_data(task: Any) -> None:
    """An interrupting boundary event on a sub-process carries out what was gathered inside it.

    SpiffWorkflow copies a sub-process's data out only when it completes normally; interrupted,
    everything entered inside it (dates, decisions, contact persons) would vanish from the case.
    The event's own payload is applied after this, so it still wins.
    """
    spec = task.task_spec
    if not (isinstance(spec, BoundaryEvent) and spec.cancel_activity) or task.parent is None:
        return
    subprocesses = task.workflow.top_workflow.subprocesses
    for sibling in task.parent.children:
        inner = subprocesses.get(sibling.id)
        if inner is not None and sibling is not task and scope(inner) is not inner:
            task.data.update(_live_data(inner, subprocesses))


def _live_data(workflow: Any, subprocesses: dict[Any, Any]) -> dict[str, Any]:
    data = _last_data(workflow)
    for task in workflow.get_tasks(state=TaskState.STARTED):
        nested = subprocesses.get(task.id)
        if nested is not None and nested is not workflow and scope(nested) is not nested:
            data.update(_live_data(nested, subprocesses))
    return data


def start(workflow: BpmnWorkflow, data: dict[str, Any], opened_by: str | None = None,
          awaits: str | None = None) -> None:
    """A new case's first steps; ``opened_by``: the timer start event that opens it, ``awaits``: the
    message start event whose message opens it (delivered next); neither: by hand."""
    start_events.choose_start(workflow, opened_by, awaits)
    record(workflow, data)
    workflow.task_tree.data.update(data)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    run_engine_steps(workflow)
    if opened_by is not None and start_events.follow_opening_start(workflow, opened_by):
        run_engine_steps(workflow)


@dataclass(frozen=True)
class Snapshot:
    """What the read models need from a workflow after a step, from one walk of its task tree."""

    completed: bool
    ready_user_tasks: list[Any]
    timers: list[WaitingTimer]
    messages: list[str]
    data: dict[str, Any]
    cycles: list[Any]  # waiting cycle-timer tasks, for prune_finished_cycle_branches


def snapshot(workflow: BpmnWorkflow) -> Snapshot:
    ready: list[Any] = []
    pending: list[Any] = []
    timers: list[WaitingTimer] = []
    cycles: list[Any] = []
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        pending.append(task)
        if task.state == TaskState.READY:
            if _is_user_task(task):
                ready.append(task)
        elif isinstance(task.task_spec, CatchingEvent):
            if isinstance(task.task_spec.event_definition, EngineCycle) or repeats(task):
                cycles.append(task)
            timer = _waiting_timer(task)
            if timer is not None:
                timers.append(timer)
    timers.sort(key=lambda t: t.due_at)
    completed = workflow.is_completed()
    # A called process's data is its own, not the case's (only what its mapping gives back is).
    own = [t for t in pending if t.workflow is workflow or scope(t.workflow) is workflow]
    data = {} if completed else _merge_newest([workflow.last_task or workflow.task_tree, *own], outside=True)
    data.update(variables(workflow))  # the case's newest value of each, over any path's older copy
    waiting = waiting_messages(workflow) + [WAITING_SIGNAL + name for name in waiting_signals(workflow)]
    return Snapshot(completed, ready, timers, waiting, data, cycles)


def prune_finished_cycle_branches(workflow: BpmnWorkflow, cycles: list[Any]) -> int:
    """Drop the finished branches a repeating timer (or a boundary message that may arrive again)
    has left behind; returns how many tasks went.

    Every occurrence of a cycle timer (a monthly contact) hangs a new branch under the waiting
    timer, and SpiffWorkflow never removes one, so an old case carried — and walked and serialized
    on every step — each month it had lived. A branch whose every task is finished is pruned,
    unless it holds an input of a join that counts its completed inputs (only the process end,
    which looks at unfinished tasks alone, is exempt) and that join has yet to finish with it — a
    join the branch itself passed, with no other of it still waiting (a sick leave's resting task
    and the end reported on its border), is done with its inputs; what only the branch holds is
    kept on the timer task first, so nothing set in it is lost to later occurrences or to the
    case's final data.
    """
    if not cycles:
        return 0
    counted = _counted_join_inputs(workflow)
    removed = 0
    pruned: set[Any] = set()
    for timer in cycles:
        removed += _drop_repeated_join_placeholders(timer)
        for branch in list(timer.children):
            subtree = list(_subtree(branch))
            if any(not t.has_state(TaskState.FINISHED_MASK) for t in subtree) or _feeds_a_join(subtree, counted):
                continue
            # What the branch set was published to every live task, the timer included, when it was
            # set (publish); a value only the branch holds is kept on the timer, never one it has
            # newer than the branch's (an older branch is pruned after a newer one set the same name).
            newest = max(subtree, key=lambda t: t.last_state_change)
            for name, value in newest.data.items():
                timer.data.setdefault(name, value)
            for task in subtree:
                task.workflow.tasks.pop(task.id, None)
                if workflow.last_task is task:
                    workflow.last_task = timer
            timer._children.remove(branch.id)
            removed += len(subtree)
            pruned.add(branch.workflow)
    for flow in pruned:
        joins.forget_gone(flow)
    return removed


def _drop_repeated_join_placeholders(timer: Any) -> int:
    """Each occurrence also adds a waiting placeholder of the activity's boundary join beside its
    branch; they are all cancelled together when the activity ends, and only the newest of each is
    ever looked at, so the older ones are dropped."""
    newest: dict[str, Any] = {}
    dropped = 0
    for child in sorted(timer.children, key=lambda t: t.last_state_change):
        if not (isinstance(child.task_spec, Join) and child.state == TaskState.WAITING and not child._children):
            continue
        older = newest.get(child.task_spec.name)
        newest[child.task_spec.name] = child
        if older is not None:
            timer._children.remove(older.id)
            older.workflow.tasks.pop(older.id, None)
            dropped += 1
    return dropped


def _subtree(task: Any) -> Iterator[Any]:
    stack = [task]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _counted_join_inputs(workflow: BpmnWorkflow) -> dict[str, set[str]]:
    """The inputs of every join that counts its completed inputs, each with the joins it feeds."""
    fed: dict[str, set[str]] = {}
    specs = [workflow.spec, *workflow.subprocess_specs.values()]
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, Join) and not isinstance(task_spec, _EndJoin):
                for feeding in task_spec.inputs:
                    fed.setdefault(feeding.name, set()).add(task_spec.name)
    return fed


def _feeds_a_join(subtree: list[Any], counted: dict[str, set[str]]) -> bool:
    """Whether a finished branch holds an input of a join that may still count it: one the branch
    did not pass itself, or one of which another task still waits in the branch's workflow."""
    held = {t.task_spec.name for t in subtree}
    fed = {join for t in subtree for join in counted.get(t.task_spec.name, ())}
    if not fed:
        return False
    if not fed <= held:
        return True
    inside = {t.id for t in subtree}
    flow = subtree[0].workflow
    return any(t.task_spec.name in fed and t.id not in inside and not t.has_state(TaskState.FINISHED_MASK)
               for t in flow.tasks.values())


def _set_since(task: Any, started: dict[str, Any]) -> dict[str, Any]:
    """What an automatic task set as it ran (its output parameters, a decision's result, a
    message's payload): its data where it differs from what it held just before. Not the difference
    from its parent's data: a task that waited months (a boundary timer) holds every value given to
    it since, and a value given to it then would be recorded over a newer one."""
    return {name: value for name, value in task.data.items() if started.get(name, _UNSET) != value}


_UNSET = object()


def _merge_newest(tasks: list[Any], outside: bool = False) -> dict[str, Any]:
    """The tasks' data merged oldest first; ``outside``: leaving out instances of a multi-instance
    activity (an instance's own item and answers are not the case's)."""
    data: dict[str, Any] = {}
    for task in sorted(tasks, key=lambda t: t.last_state_change):
        if not (outside and multi_instance.instance_of(task) is not None):
            data.update(task.data)
    return data


def _is_user_task(task: Any) -> bool:
    return isinstance(task.task_spec, UserTaskMixin) or bool(task.task_spec.manual)


def _waiting_timer(task: Any) -> WaitingTimer | None:
    due = due_time(task)
    if due is None:
        return None
    drawn = timer_element(task.task_spec)
    return WaitingTimer(str(task.id), element_of(drawn), title_of(drawn), due)


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Any]:
    return [t for t in workflow.get_tasks(state=TaskState.READY) if _is_user_task(t)]


def find_ready_task(workflow: BpmnWorkflow, task_id: str) -> Any | None:
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TypeError):
        return None
    except SpiffWorkflowException:
        return None
    if task is None or task.state != TaskState.READY:
        return None
    return task


def complete(workflow: BpmnWorkflow, task: Any, data: dict[str, Any]) -> None:
    """Complete a person's task with what they submitted. Every submitted value is the case's, even
    one equal to what the task held: the task may hold an old copy that a later step replaced."""
    started = dict(task.data)
    task.data.update(data)
    output_parameters.apply(task, getattr(workflow, "engine_outputs", {}))
    _note_notice(workflow, task)
    if multi_instance.instance_of(task) is not None:  # an instance's answers stay its own
        task.run()
        run_engine_steps(workflow)
        return
    done = {**_set_since(task, started), **data}
    record(task.workflow, done)
    task.run()
    run_engine_steps(workflow, done, task.workflow)


def waiting_messages(workflow: BpmnWorkflow) -> list[str]:
    names = []
    for pending in workflow.waiting_events():
        if pending is not None and pending.event_type == EngineMessage.__name__ and pending.name not in names:
            names.append(pending.name)
    for task in workflow.event_manager.tasks.values():  # an event-based gateway's messages
        names.extend(name for name in awaited_messages(task) if name not in names)
    return names


def deliver_message(workflow: BpmnWorkflow, name: str, data: dict[str, Any]) -> None:
    record(workflow, data)
    workflow.send_event(message_event(name, data))
    run_engine_steps(workflow, data)


def waiting_signals(workflow: BpmnWorkflow) -> list[str]:
    names = []
    for pending in workflow.waiting_events():
        if pending is not None and pending.event_type == EngineSignal.__name__ and pending.name not in names:
            names.append(pending.name)
    return names


def deliver_signal(workflow: BpmnWorkflow, name: str) -> None:
    workflow.send_event(signal_event(name))
    run_engine_steps(workflow)




def waiting_timers(workflow: BpmnWorkflow) -> list[WaitingTimer]:
    # SpiffWorkflow keeps its waiting catch events (of sub-processes too) in the event manager, the
    # index refresh_timers() works from: no need to walk the whole task tree for them.
    waiting = (t for t in workflow.event_manager.tasks.values()
               if t.state == TaskState.WAITING and isinstance(t.task_spec, CatchingEvent))
    found = (_waiting_timer(t) for t in waiting)
    return sorted((t for t in found if t is not None), key=lambda t: t.due_at)


#: Step a paused case with its timers held at the moment it stopped (:func:`timer_events.standing_still`).
timers_standing_still = timer_events.standing_still


#: A timer's property that keeps it running while its case is paused (docs/modeling.md): the time
#: a case rests counts toward that limit (the plan's 12 months include sick leave).
RUNS_WHILE_PAUSED = ("under_paus", ("löper", "loper"))


def shift_timers(workflow: BpmnWorkflow, by: Duration) -> None:
    """Move every waiting timer of the case (of its sub-processes too) on by ``by``, except those the
    model says run on while the case is paused."""
    name, values = RUNS_WHILE_PAUSED
    for task in workflow.event_manager.tasks.values():
        waiting = task.state == TaskState.WAITING and isinstance(task.task_spec, CatchingEvent)
        if waiting and (task_property(timer_element(task.task_spec), name) or "").strip().lower() not in values:
            timer_events.shift(task, by)


def fire_due_timers(workflow: BpmnWorkflow) -> None:
    """Let every timer that is due now fire (one occurrence each), then run the steps that follow."""
    workflow.refresh_timers()
    run_engine_steps(workflow)


def correct_data(workflow: BpmnWorkflow, data: dict[str, Any]) -> None:
    """Set values in the data every pending step will see (an operator's correction)."""
    publish(workflow, data)


def cancel(workflow: BpmnWorkflow) -> None:
    workflow.cancel()


def _last_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The newest value of every variable. Parallel branches and waiting events each carry their own
    copy of the data, so copies are merged oldest first: a value set later wins over a stale copy."""
    pending = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
    return _merge_newest([workflow.last_task or workflow.task_tree, *pending])


def discard(workflow: BpmnWorkflow) -> None:
    """Take apart a workflow nobody will use again, so that its memory is freed at once.

    A workflow and its tasks point at each other (and so do a sub-workflow and its top workflow,
    a workflow and its event manager), so left alone they are freed only by Python's cyclic
    collector, and only once they have reached its oldest generation, whose every collection walks
    all objects alive. Emptying their attributes breaks every such cycle.
    """
    for sub in list(workflow.subprocesses.values()):
        _take_apart(sub)
    _take_apart(workflow)


def _take_apart(workflow: Any) -> None:
    for task in workflow.tasks.values():
        task.__dict__.clear()
    workflow.__dict__.clear()


def guarded(case_id: str, action: Callable[[], T], element: str = "(process)") -> T:
    """Run a SpiffWorkflow action on a deep-stack thread, its failures turned into StepFailed."""
    with step_errors(case_id, element):
        return deep.call(action)
