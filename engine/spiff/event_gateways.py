"""Event-based gateways: whichever event comes first — a message, or a timer — takes its branch.

SpiffWorkflow's gateway gathers its branches' event definitions into one
``MultipleEventDefinition`` on the gateway's task (the catch events behind it pass at once), but
asks its timers only ``has_fired``, which a cycle never answers before all its occurrences are
done, and nothing of it shows in what a case waits for: the engine listed neither its messages
nor its due time, so a case reaching one waited for good. Here the gateway's timer is asked as the
engine's timers are (a cycle's first occurrence wins), and :func:`awaited_messages` and
:func:`engine.spiff.timer_events.timer_of` let the runtime list what the gateway waits for.

When one event has happened the gateway's task runs: the branch of that event goes on, the other
branches (predicted only) are dropped, and the task leaves the event manager, so the other timer
never fires and the other message is no longer awaited. One timer per gateway (validation): its
due time is kept on the gateway's task as a timer event's is on its own.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent

from engine.spiff.message_events import EngineMessage
from engine.spiff.timer_events import EngineCycle, timer_of


class EngineEventChoice(MultipleEventDefinition):
    """The events an event-based gateway waits for: the first to happen wins."""

    def has_fired(self, my_task: Any) -> bool:
        if my_task.internal_data.get("seen_events"):
            return True
        timer = timer_of(self)
        if timer is None:
            return False
        fell_due = timer.cycle_complete(my_task) if isinstance(timer, EngineCycle) else timer.has_fired(my_task)
        if fell_due:
            my_task.internal_data["seen_events"] = [BpmnEvent(timer)]
        return bool(fell_due)

    def catch(self, my_task: Any, event: Any = None) -> None:
        # Only the first event counts: a second one arriving in the same step does not take a branch too.
        if not my_task.internal_data.get("seen_events"):
            super().catch(my_task, event)


def awaited_messages(task: Any) -> list[str]:
    """The names of the messages a waiting event-based gateway's task still takes."""
    definition = task.task_spec.event_definition
    if not isinstance(definition, EngineEventChoice) or task.internal_data.get("seen_events"):
        return []
    return [d.name for d in definition.event_definitions if isinstance(d, EngineMessage)]


def timer_element(task_spec: Any) -> Any:
    """The element a waiting timer is drawn as: for an event-based gateway, the timer catch event
    behind it (its name, its properties such as ``under_paus``), else the task's own."""
    definition = task_spec.event_definition
    if not isinstance(definition, EngineEventChoice):
        return task_spec
    timer = timer_of(definition)
    index = next((i for i, d in enumerate(definition.event_definitions) if d is timer), None)
    return task_spec if index is None or index >= len(task_spec.outputs) else task_spec.outputs[index]
