"""Message events whose payload lands in the case data, where a designer expects it."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition


class EngineMessage(MessageEventDefinition):
    """Camunda message definition; a dict payload without ``camunda:resultVariable`` merges into the data."""

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


def message_event(name: str, data: dict[str, Any]) -> BpmnEvent:
    """The event the engine delivers to a case for an incoming message."""
    return BpmnEvent(EngineMessage(name), payload={"payload": dict(data), "result_var": None})
