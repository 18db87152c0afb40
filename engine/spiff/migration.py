"""Moving a running workflow onto another version of its process (the SpiffWorkflow side).

SpiffWorkflow 3.2 has ``bpmn.util.diff`` for this. Its :class:`SpecDiff` is used here to find
which task specs changed; its ``migrate_workflow`` is not, because it resets every ready and
waiting task: a repeating timer's reset drops the branches its occurrences started (an open
monthly contact task would vanish), and a waiting timer's reset forgets when it started (a
14-day wait would start again from the day of the move). Instead:

- every task is pointed at the new version's spec of the same id; a task that is merely
  predicted and whose element is gone is dropped, and prediction is redone from every ready or
  waiting task whose remaining branch holds only predictions;
- a waiting timer whose definition is unchanged keeps its due time; one whose definition changed
  is computed again (a date from the case data, a duration from now, a cycle from its anchor);
- a case can move only if every step it has passed or stands at exists in the new version as
  the same kind of element (its stored state names them), and every sub-process it is in exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.language import timers
from engine.spiff.runtime import element_of
from engine.spiff.specs import title_of
from engine.spiff.state import SpecBundle, full_serializer
from engine.spiff.timer_events import EngineCycle, EngineDuration, EngineTimeDate, timer_of, timer_value
from engine.views import Blocker

_serializer = full_serializer()
_LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
#: Spec attributes whose change alone does not change what a waiting or open task is.
_WIRING = {"inputs", "outputs"}


@dataclass(frozen=True)
class Moved:
    """What moving did beyond pointing the tasks at the new specs."""

    changed_tasks: tuple[str, ...]  # ids of open user tasks whose definition changed
    recomputed_timers: tuple[str, ...]  # elements of waiting timers whose definition changed


class CannotMove(Exception):
    def __init__(self, blockers: list[Blocker]) -> None:
        super().__init__(", ".join(b.element for b in blockers))
        self.blockers = blockers


def _specs(bundle: SpecBundle) -> tuple[Any, dict[str, Any]]:
    spec_dict, sub_dicts = bundle.copies()
    return _serializer.from_dict(spec_dict), {name: _serializer.from_dict(s) for name, s in sub_dicts.items()}


def _pairs(workflow: BpmnWorkflow, spec: Any, subs: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """The workflow and each of its sub-workflows, with the new spec each would run on (or None)."""
    yield workflow, spec
    for sub in workflow.subprocesses.values():
        yield sub, subs.get(sub.spec.name)


def _element(task_spec: Any) -> str:
    # SpiffWorkflow's helper specs are named after their element: "bedom_remiss.BoundaryEventSplit".
    return element_of(task_spec).split(".")[0]


def blockers(workflow: BpmnWorkflow, bundle: SpecBundle) -> list[Blocker]:
    """Why the workflow cannot move onto the bundle's version; empty if it can."""
    spec, subs = _specs(bundle)
    return _blockers(workflow, spec, subs)


def _blockers(workflow: BpmnWorkflow, spec: Any, subs: dict[str, Any]) -> list[Blocker]:
    found: dict[str, Blocker] = {}
    for sub, target in _pairs(workflow, spec, subs):
        if target is None:
            element = sub.spec.name
            found.setdefault(element, Blocker(element, element, True, "subprocess_removed"))
            continue
        for task in sub.tasks.values():
            if task.has_state(TaskState.PREDICTED_MASK):
                continue
            live = task.has_state(_LIVE)
            new_spec = target.task_specs.get(task.task_spec.name)
            element = _element(task.task_spec)
            reason = None
            if new_spec is None:
                reason = "removed"
            elif live and type(new_spec) is not type(task.task_spec):
                reason = "changed_kind"
            if reason is not None:
                known = found.get(element)
                if known is None or (live and not known.current):
                    found[element] = Blocker(element, title_of(task.task_spec), live, reason)
    return sorted(found.values(), key=lambda b: (not b.current, b.element))


def migrate(workflow: BpmnWorkflow, bundle: SpecBundle, now: datetime) -> Moved:
    """Move the workflow onto the bundle's version, in place; raises CannotMove (changing nothing)."""
    spec, subs = _specs(bundle)
    blocked = _blockers(workflow, spec, subs)
    if blocked:
        raise CannotMove(blocked)
    changed_tasks: list[str] = []
    timers_recomputed: list[str] = []
    pairs = list(_pairs(workflow, spec, subs))
    for sub, target in pairs:
        changed = _changed_specs(sub.spec, target)
        for task in list(sub.tasks.values()):
            if task.id not in sub.tasks:
                continue  # went with a dropped prediction
            new_spec = target.task_specs.get(task.task_spec.name)
            if new_spec is None:
                sub._remove_task(task.id)  # a prediction of an element that is gone
                continue
            if task.has_state(TaskState.READY) and task.task_spec.name in changed:
                changed_tasks.append(str(task.id))
            definition_changed = "event_definition" in changed.get(task.task_spec.name, ())
            task.task_spec = new_spec
            waiting_timer = task.has_state(TaskState.WAITING) and isinstance(new_spec, CatchingEvent)
            if waiting_timer and definition_changed and _recompute_timer(task, now):
                timers_recomputed.append(_element(new_spec))
        sub.spec = target
    workflow.subprocess_specs = subs
    workflow.engine_outputs = bundle.outputs
    workflow.engine_notices = bundle.notices
    for sub, _ in pairs:
        _predict_again(sub)
    return Moved(tuple(changed_tasks), tuple(timers_recomputed))


def _changed_specs(old: Any, new: Any) -> dict[str, set[str]]:
    """Task spec name → the attributes that differ between the versions (wiring alone ignored)."""
    diff = SpecDiff(_serializer.registry, old, new)
    changed: dict[str, set[str]] = {}
    for old_spec, keys in diff.changed.items():
        aligned = diff.alignment.get(old_spec)
        if aligned is not None and aligned.name == old_spec.name and set(keys) - _WIRING:
            changed[old_spec.name] = set(keys) - _WIRING
    return changed


def _predict_again(sub: Any) -> None:
    """Redo the predictions below each ready or waiting task whose branch holds nothing definite
    (a waiting cycle timer's branch may hold open work: it is left alone)."""
    for task in list(sub.tasks.values()):
        if task.id not in sub.tasks or not task.has_state(TaskState.READY | TaskState.WAITING):
            continue
        below = list(task)[1:]
        if any(not t.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE) for t in below):
            continue
        for child in list(task.children):
            sub._remove_task(child.id)
        task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)


def _recompute_timer(task: Any, now: datetime) -> bool:
    """A waiting timer under a changed definition: its due time from the new one. False if it has
    not started counting (it will when it does) or has fired already."""
    definition = timer_of(task.task_spec.event_definition)
    if isinstance(definition, EngineCycle):
        state = task._get_internal_data("event_value")
        if state is None:
            return False
        text = timer_value("cycle", definition.expression, task)
        cycle = timers.parse_cycle(text)
        anchor = datetime.fromisoformat(state["anchor"])
        fired = int(state["fired"])
        left = -1 if cycle.repetitions is None else max(cycle.repetitions - fired, 0)
        task._set_internal_data(event_value={
            "text": text, "anchor": state["anchor"], "fired": fired, "cycles": left,
            "next": cycle.occurrence(fired, anchor).isoformat(),
        })
        return True
    if isinstance(definition, EngineTimeDate | EngineDuration):
        if task._get_internal_data("event_fired", False):
            return False
        task.internal_data.pop("event_value", None)
        value = timer_value(definition.kind, definition.expression, task)
        task._set_internal_data(event_value=timers.due_at(definition.kind, value, now).isoformat())
        return True
    return False
