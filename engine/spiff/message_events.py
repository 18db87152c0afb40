"""Message events whose payload lands in the case data, where a designer expects it, and
non-interrupting boundary messages that can arrive any number of times.

SpiffWorkflow 3.2 fires a non-interrupting boundary event once per activation of its activity and
does not arm it again: a second sick leave in the same participation could not be reported. Here
such a message starts its path anew each time it arrives, the way a repeating timer does, and the
event goes on waiting for the next one until its activity ends — once the path the last one started
is done (a sick leave is reported again after the last one ended, never twice at once).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from engine.spiff import case_messages


class EngineMessage(MessageEventDefinition):
    """Camunda message definition; a dict payload without ``camunda:resultVariable`` merges into the data."""

    def catches(self, my_task: Any, event: Any) -> bool:
        return super().catches(my_task, event) and not (repeats(my_task) and busy(my_task))

    def throw(self, my_task: Any) -> None:
        # Sent to other cases, after the step is saved (engine/spiff/case_messages.py).
        case_messages.note(my_task, "message", self.name)

    def details(self, my_task: Any) -> Any:
        # A repeating message whose last arrival's path is still running is not awaited meanwhile.
        return None if repeats(my_task) and busy(my_task) else super().details(my_task)

    def catch(self, my_task: Any, event: Any = None) -> None:
        if not repeats(my_task):
            super().catch(my_task, event)
            return
        # Every arrival starts the event's path again beside the activity; the event keeps waiting.
        self.update_internal_data(my_task, event)
        self.update_task_data(my_task)
        for child in [c for c in my_task.children if c.has_state(TaskState.PREDICTED_MASK)]:
            my_task.workflow._remove_task(child.id)
        for output in my_task.task_spec.outputs:
            child = my_task._add_child(output, TaskState.FUTURE)
            child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
            child.task_spec._update(child)

    def update_task_data(self, my_task: Any) -> None:
        event_data = my_task.internal_data.get(self.name) or {}
        payload = event_data.get("payload")
        result_var = event_data.get("result_var")
        if result_var:
            my_task.data[result_var] = payload
        elif isinstance(payload, dict):
            my_task.data.update(payload)

    def update_internal_data(self, my_task: Any, event: Any) -> None:
        payload = dict(event.payload or {})
        payload.setdefault("result_var", self.result_var)
        my_task.internal_data[self.name] = payload


class EngineSignal(SignalEventDefinition):
    """A signal: caught by the cases of a process that wait for it, never inside the sending case."""

    def throw(self, my_task: Any) -> None:
        case_messages.note(my_task, "signal", self.name)


def signal_event(name: str) -> BpmnEvent:
    """The event the engine delivers to a case for a signal another case sent."""
    return BpmnEvent(EngineSignal(name))


def repeats(task: Any) -> bool:
    """Whether a waiting task is a non-interrupting boundary message (it fires on every arrival)."""
    spec = task.task_spec
    return isinstance(spec, BoundaryEvent) and not spec.cancel_activity and isinstance(spec.event_definition,
                                                                                       EngineMessage)


def busy(task: Any) -> bool:
    """Whether the path a repeating message started last is still running (a sick leave not yet
    ended): until it is done, the message is not awaited again, so its tasks never stack."""
    stack = list(task.children)
    while stack:
        current = stack.pop()
        if isinstance(current.task_spec, Join) and current.state == TaskState.WAITING:
            continue  # the activity's boundary join, waiting for the activity, not this path
        if not current.has_state(TaskState.PREDICTED_MASK | TaskState.FINISHED_MASK):
            return True
        stack.extend(current.children)
    return False


def message_event(name: str, data: dict[str, Any]) -> BpmnEvent:
    """The event the engine delivers to a case for an incoming message."""
    return BpmnEvent(EngineMessage(name), payload={"payload": dict(data), "result_var": None})
