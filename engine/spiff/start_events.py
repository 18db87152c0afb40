"""A process's own start events: which one has a timer, and which start events a new case takes.

A process may open its cases itself, on a timer start event (docs/modeling.md, "Opening cases on
a rhythm"). SpiffWorkflow starts every top-level start event of a new workflow at once: a plain one
runs on, a timer one waits. A case opened by the timer therefore has its other start events
cancelled and its timer start event fired at once; a case opened by hand has its timer start event
cancelled, so that it never fires inside that case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.control import StartEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.spiff.timer_events import EngineCycle, EngineDuration, EngineTimeDate

_KINDS = ((EngineTimeDate, "date"), (EngineDuration, "duration"), (EngineCycle, "cycle"))


@dataclass(frozen=True)
class StartTimer:
    """A process's timer start event: its element id, its kind (date, duration, cycle), its text."""

    element: str
    kind: str
    text: str


def _starts(process_spec: Any) -> list[Any]:
    """The process's own start events: right after its start, or after the split SpiffWorkflow puts
    before several of them (the first to fire wins, the others are cancelled)."""
    start = getattr(process_spec, "start", None)
    after = list(start.outputs) if start is not None else []
    after += [spec for split in after if isinstance(split, StartEventSplit) for spec in split.outputs]
    return [spec for spec in after if isinstance(spec, StartEvent)]


def _timer_kind(spec: Any) -> str | None:
    definition = getattr(spec, "event_definition", None)
    return next((kind for cls, kind in _KINDS if isinstance(definition, cls)), None)


def start_timer_of(process_spec: Any) -> StartTimer | None:
    """The timer of the process's own (top-level) timer start event, or None."""
    for spec in _starts(process_spec):
        kind = _timer_kind(spec)
        if kind is not None:
            text = (spec.event_definition.expression or "").strip()
            if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
                text = text[1:-1].strip()
            return StartTimer(str(spec.bpmn_id or spec.name), kind, text)
    return None


def message_starts(process_spec: Any) -> frozenset[str]:
    """The messages the process's own start events wait for (a case opens when one arrives)."""
    return frozenset(spec.event_definition.name for spec in _starts(process_spec)
                     if isinstance(spec.event_definition, MessageEventDefinition))


def message_start_element(process_spec: Any, name: str) -> str | None:
    """The id of the process's own start event that waits for the message ``name``."""
    return next((str(spec.bpmn_id or spec.name) for spec in _starts(process_spec)
                 if isinstance(spec.event_definition, MessageEventDefinition) and spec.event_definition.name == name),
                None)


def has_plain_start(process_spec: Any) -> bool:
    """Whether the process has a start event without any event definition (a case opened by hand)."""
    return any(isinstance(spec.event_definition, NoneEventDefinition) for spec in _starts(process_spec))


def _own_start_events(workflow: BpmnWorkflow) -> list[Any]:
    found = []
    for task in workflow.get_tasks():
        parent = task.parent
        if not isinstance(task.task_spec, StartEvent) or parent is None:
            continue
        if parent.parent is None or (isinstance(parent.task_spec, StartEventSplit) and parent.parent.parent is None):
            found.append(task)
    return found


def choose_start(workflow: BpmnWorkflow, opened_by: str | None, awaits: str | None = None) -> None:
    """Before a new workflow's first steps: a case opened by the timer start event ``opened_by``
    takes no other start event, and that one fires at once (the case is opened at its time); a case
    opened on a message keeps only the start event that ``awaits`` it (the message is delivered
    next); a case opened by hand takes no start event but its plain ones, so no later timer or
    message starts a second path inside it."""
    for task in _own_start_events(workflow):
        element = str(task.task_spec.bpmn_id or task.task_spec.name)
        if opened_by is not None and element == opened_by:
            task._set_internal_data(event_fired=True)
        elif awaits is not None and element == awaits:
            continue
        elif opened_by is not None or awaits is not None or \
                not isinstance(task.task_spec.event_definition, NoneEventDefinition):
            task.cancel()


def follow_opening_start(workflow: BpmnWorkflow, opened_by: str) -> bool:
    """After a new workflow's first steps: a cycle's start event adds its path only on each
    occurrence (SpiffWorkflow predicts nothing after it), so the one that opened the case, fired
    once as a plain start event, has its path added here. Whether it added one (steps to run)."""
    for task in _own_start_events(workflow):
        if str(task.task_spec.bpmn_id or task.task_spec.name) != opened_by:
            continue
        if task.state == TaskState.COMPLETED and not task.children:
            for output in task.task_spec.outputs:
                child = task._add_child(output, TaskState.FUTURE)
                child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
                child.task_spec._update(child)
            return True
    return False
