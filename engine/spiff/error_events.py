"""Error and escalation events within a case: thrown inside an embedded sub-process, caught by a
boundary event on a sub-process that encloses the thrower — and never lost.

SpiffWorkflow 3.2 looks for a catcher in the thrower's workflow and then in each workflow above
it, but takes *any* waiting boundary event of that workflow with the right code: an error in one
phase could interrupt a parallel phase it has nothing to do with. And an error (or escalation)
nothing catches is put in the workflow's outgoing events and forgotten: the end event ends its
path as if nothing had happened. Here a boundary event catches only what is thrown inside its own
activity (one naming the code before a catch-all one of the same activity), and an error nothing
catches fails the step — the case stays as it was, with an incident naming the event (validation
refuses such a model beforehand: docs/modeling.md). An escalation nothing catches (a
non-interrupting boundary event catches once per activation of its sub-process) has no effect, as
BPMN says.

A called process keeps its variables apart from the case's (:mod:`engine.spiff.call_activities`):
an error or escalation it throws out to a boundary event on the call activity carries none of
them, and the call activity's declared outputs are not taken from a process an error ended.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    EscalationEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from engine.errors import EngineError


class _Thrown(BpmnEvent):
    """A thrown error or escalation, knowing the activities (sub-process tasks) it was thrown inside
    and, of those, the call activities whose called process has variables of its own."""

    def __init__(self, definition: Any, payload: Any, target: Any, inside: set[Any], called: set[Any]) -> None:
        super().__init__(definition, payload=payload, target=target)
        self.inside = inside
        self.called = called


class _Contained:
    """Mixed into the error and escalation definitions: caught from within, never lost."""

    code: Any
    name: Any
    kind = "event"
    #: Whether a throw nothing catches fails the step (an error) or has no effect (an escalation, as BPMN says).
    must_be_caught = True

    def throw(self, my_task: Any) -> None:
        top = my_task.workflow.top_workflow
        event = _Thrown(self, deepcopy(my_task.data), my_task.workflow, _enclosing(my_task.workflow),
                        _enclosing(my_task.workflow, called_only=True))
        top.catch(event)
        if event in top.bpmn_events:
            top.bpmn_events.remove(event)
            if not self.must_be_caught:
                return
            what = f"'{self.code}'" if self.code else "without a code"
            raise EngineError(f"the {self.kind} {what} is caught by no boundary event on a sub-process "
                              f"around {my_task.task_spec.bpmn_name or my_task.task_spec.bpmn_id}")

    def catch(self, my_task: Any, event: Any = None) -> None:
        # Out of a called process, to a catcher outside it: the called process's data stays in it.
        if event is not None and getattr(event, "called", None) and event.called - _enclosing(my_task.workflow):
            event = BpmnEvent(event.event_definition, payload={}, target=event.target)
        super().catch(my_task, event)  # type: ignore[misc]

    def catches(self, my_task: Any, event: Any) -> bool:
        if not super().catches(my_task, event):  # type: ignore[misc]
            return False
        if not isinstance(my_task.task_spec, BoundaryEvent):
            return True
        inside = getattr(event, "inside", None)
        if inside is not None and _activity_of(my_task) not in inside:
            return False
        # A catch-all boundary event leaves what a boundary event of the same activity names by code to it.
        return self.code is not None or not any(
            other is not my_task and other.state == TaskState.WAITING and isinstance(other.task_spec, BoundaryEvent)
            and other.task_spec.event_definition.__class__ is self.__class__
            and other.task_spec.event_definition.code is not None
            and other.task_spec.event_definition.code == event.event_definition.code
            for other in (my_task.parent.children if my_task.parent is not None else ()))


class ContainedError(_Contained, ErrorEventDefinition):
    kind = "error"


class ContainedEscalation(_Contained, EscalationEventDefinition):
    kind = "escalation"
    must_be_caught = False


def _enclosing(workflow: Any, called_only: bool = False) -> set[Any]:
    """The ids of the sub-process tasks a workflow runs inside (with ``called_only``, only the call
    activities whose called process has variables of its own)."""
    ids = set()
    while getattr(workflow, "parent_task_id", None) is not None:
        parent = workflow.parent_workflow
        if not called_only or getattr(parent.get_task_from_id(workflow.parent_task_id).task_spec,
                                      "own_variables", False):
            ids.add(workflow.parent_task_id)
        workflow = parent
    return ids


def ended_by_error(workflow: Any) -> bool:
    """Whether a (called) process ended at an end event of its own that throws an error."""
    return any(isinstance(getattr(t.task_spec, "event_definition", None), ContainedError)
               for t in workflow.get_tasks(state=TaskState.COMPLETED))


def _activity_of(boundary_task: Any) -> Any:
    """The id of the activity task a boundary event's task is attached to."""
    split = boundary_task.parent
    if split is None:
        return None
    activity = next((t for t in split.children if not isinstance(t.task_spec, BoundaryEvent)), None)
    return None if activity is None else activity.id
