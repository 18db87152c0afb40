"""Messages and signals a case sends to other cases.

A message throw event, a message end event or a send task does not deliver anything itself: it
notes what it sends — the message's name, the receiving process (``till_process``), the receiving
cases if the model names them (``till_arende``, an expression), and the case data it carries
(``skicka``) — and the engine writes that with the step, in its transaction, to be delivered to the
receiving cases after it (engine/cases/case_messages.py). A signal is noted the same way and goes to
every open case of the process (or of ``till_process``) that waits for it.

Nothing is caught inside the sending case: a case never sends itself a message (validation refuses
a process that throws a message it also catches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The properties of a throwing element (docs/modeling.md, "Cases that talk to each other").
TO_PROCESS = "till_process"
TO_CASES = "till_arende"
CARRIES = "skicka"
#: Every message a case sends carries the sender's case id under this name.
SENDER = "fran_arende"


@dataclass(frozen=True)
class Outgoing:
    """A message or signal a step sent, as the engine stores it until it is delivered."""

    kind: str  # "message" or "signal"
    name: str
    element: str
    to_process: str | None  # None: nobody in the engine receives it (a party outside)
    to_cases: tuple[str, ...] | None  # None: every case of to_process that waits for it
    data: dict[str, Any] = field(default_factory=dict)


def properties(task_spec: Any) -> dict[str, str]:
    extensions = getattr(task_spec, "extensions", None) or {}
    return {k: v for k, v in extensions.items() if isinstance(k, str) and isinstance(v, str)}


def carried_names(text: str | None) -> list[str]:
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def note(task: Any, kind: str, name: str) -> None:
    """Note that ``task`` sent ``name``: worked out from its properties and the task's data now."""
    spec = task.task_spec
    props = properties(spec)
    to_process = (props.get(TO_PROCESS) or "").strip() or None
    if kind == "signal" and to_process is None:
        to_process = task.workflow.top_workflow.spec.name
    to_cases: tuple[str, ...] | None = None
    expression = (props.get(TO_CASES) or "").strip()
    if expression:
        found = task.workflow.script_engine.evaluate(task, expression)
        items = found if isinstance(found, list | tuple) else [found]
        to_cases = tuple(str(item) for item in items if item not in (None, ""))
    data = {n: task.data.get(n) for n in carried_names(props.get(CARRIES))}
    element = str(getattr(spec, "bpmn_id", None) or spec.name)
    sent: list[Outgoing] = task.workflow.top_workflow.__dict__.setdefault("engine_outgoing", [])
    sent.append(Outgoing(kind, name, element, to_process, to_cases, data))


def take(workflow: Any) -> list[Outgoing]:
    """What the workflow sent since the last call, in order."""
    sent: list[Outgoing] = workflow.__dict__.get("engine_outgoing") or []
    workflow.__dict__["engine_outgoing"] = []
    return sent
