"""What a repeating boundary event started outlives its activity.

A non-interrupting boundary event's path runs beside its activity and, in BPMN, goes on when the
activity ends. SpiffWorkflow 3.2 keeps that for a one-off event (it has fired: its task is done and
nothing cancels its path), but a repeating one — a cycle timer (the weekly follow-up), a message
that may arrive again (sick leave) — is still waiting when the activity ends, and the activity's
boundary join cancels it *with every path it started*: an open follow-up vanished from the inbox
undone. Here the join ends such an event without touching its paths: it stops waiting (leaves the
event manager, its predicted children dropped) and is marked done, so what it started stays open
until done. A task that is moot once its activity ends says so with ``stangs_med_aktiviteten``
(:func:`engine.spiff.runtime.close_with_their_activity`).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.spiff.message_events import repeats


def _boundary_threshold(self: Any, my_task: Any) -> tuple[bool, list[Any]]:
    """``BoundaryEventJoin._check_threshold_structured``, ending repeating events rather than
    cancelling them with their paths."""
    finished, cancel = _ORIGINAL_THRESHOLD(self, my_task)
    if not finished:
        return finished, cancel
    kept = []
    for task in cancel:
        if task.state == TaskState.WAITING and _repeating(task) and _started_paths(task):
            _end_keeping_paths(task)
        else:
            kept.append(task)
    return finished, kept


def _repeating(task: Any) -> bool:
    definition = getattr(task.task_spec, "event_definition", None)
    return isinstance(definition, CycleTimerEventDefinition) or repeats(task)


def _started_paths(task: Any) -> list[Any]:
    return [c for c in task.children if not c.has_state(TaskState.PREDICTED_MASK)]


def _end_keeping_paths(task: Any) -> None:
    for child in [c for c in task.children if c.has_state(TaskState.PREDICTED_MASK)]:
        task.workflow._remove_task(child.id)
    task.workflow.top_workflow.event_manager.remove_task(task)
    task._set_state(TaskState.COMPLETED)


_ORIGINAL_THRESHOLD = BoundaryEventJoin._check_threshold_structured

#: What is replaced: (class, attribute, SpiffWorkflow's own, ours).
REPLACED: tuple[tuple[type, str, Any, Any], ...] = (
    (BoundaryEventJoin, "_check_threshold_structured", _ORIGINAL_THRESHOLD, _boundary_threshold),
)


def install() -> None:
    for owner, name, _own, ours in REPLACED:
        setattr(owner, name, ours)
