"""Timer event definitions that read the injected clock and follow the calendar.

SpiffWorkflow's own timers read ``datetime.now`` directly, treat a modeler's plain ``P14D`` as an
expression (a NameError), and store ``R/P1M`` as a fixed 31-day step so that monthly dates drift.
These subclasses replace all three behaviours; the parser creates them instead of the originals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util import PendingBpmnEvent

from engine import clock
from engine.language import timers

#: While a paused case is stepped (a message it receives, its pausing task done): the moment it stopped.
_STANDING_STILL: ContextVar[datetime | None] = ContextVar("timers_standing_still", default=None)


def _now() -> datetime:
    """The time a timer compares with: the engine's clock, or the moment a paused case stopped."""
    return _STANDING_STILL.get() or clock.now()


@contextmanager
def standing_still(since: datetime | None) -> Iterator[None]:
    """Step a paused case with its timers held at ``since`` (None: not paused): nothing that was
    not due when it stopped fires, and a timer that starts waiting meanwhile counts from then."""
    token = _STANDING_STILL.set(since)
    try:
        yield
    finally:
        _STANDING_STILL.reset(token)


def timer_value(kind: str, text: str, task: Any) -> Any:
    """What a timer element's text means for this task: an ISO literal as is, else an expression."""
    stripped = (text or "").strip()
    if timers.looks_literal(kind, stripped):
        return stripped
    # SpiffWorkflow's own examples quote the literal ("P14D"); accept that spelling too.
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\"":
        inner = stripped[1:-1]
        if timers.looks_literal(kind, inner):
            return inner
    return task.workflow.script_engine.evaluate(task, stripped)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class _OneShot:
    """A timer that falls due once: at a date, or a duration after it started waiting."""

    kind: str
    expression: str

    def has_fired(self, my_task: Any) -> bool:
        due = my_task._get_internal_data("event_value")
        if due is None:
            value = timer_value(self.kind, self.expression, my_task)
            due_at = timers.due_at(self.kind, value, _now())
            if isinstance(value, str):
                timers.check_limits(self.kind, value)
            elif self.kind == "date":
                timers.check_limits("date", due_at)
            due = _iso(due_at)
            my_task._set_internal_data(event_value=due)
        if datetime.fromisoformat(due) <= _now():
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class EngineTimeDate(_OneShot, TimeDateEventDefinition):
    kind = "date"


class EngineDuration(_OneShot, DurationTimerEventDefinition):
    kind = "duration"


class EngineCycle(CycleTimerEventDefinition):
    """A repeating timer whose n-th occurrence is computed from its anchor, so it never drifts."""

    def cycle_complete(self, my_task: Any) -> bool:
        state = my_task._get_internal_data("event_value")
        if state is None:
            text = timer_value("cycle", self.expression, my_task)
            if not isinstance(text, str):
                raise TypeError(f"a cycle timer needs ISO 8601 text such as R/P1M, got {text!r}")
            cycle = timers.parse_cycle(text)
            timers.check_limits("cycle", cycle)
            anchor = _now()
            state = {
                "text": text,
                "anchor": _iso(anchor),
                "fired": 0,
                "cycles": -1 if cycle.repetitions is None else cycle.repetitions,
                "next": _iso(cycle.occurrence(0, anchor)),
            }
        ready = False
        if state["cycles"] != 0:
            if datetime.fromisoformat(state["next"]) <= _now():
                cycle = _cycle(state)
                state["fired"] += 1
                if state["cycles"] > 0:
                    state["cycles"] -= 1
                state["next"] = _iso(cycle.occurrence(state["fired"], datetime.fromisoformat(state["anchor"])))
                ready = True
        else:
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=state)
        return ready

    def details(self, my_task: Any) -> PendingBpmnEvent:
        state = my_task._get_internal_data("event_value")
        due = state["next"] if state is not None and state["cycles"] != 0 else None
        return PendingBpmnEvent(self.name, self.__class__.__name__, due)


def timer_of(definition: Any) -> Any:
    """The timer of an event definition: itself, or an event-based gateway's one timer (None if none)."""
    if isinstance(definition, MultipleEventDefinition):
        return next((d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)), None)
    return definition


def shift(task: Any, by: timers.Duration) -> None:
    """Move a waiting timer on by ``by`` (a case resumed after a pause: its clock stood still). A
    cycle keeps its rhythm from a moved anchor (or start): the occurrences it has fired stay fired
    and the next one is as far from the moved anchor as it was from the old one."""
    value = task._get_internal_data("event_value")
    if value is None:
        return
    definition = timer_of(task.task_spec.event_definition)
    if isinstance(definition, EngineCycle):
        moved = {**value, "anchor": _iso(by.add_to(datetime.fromisoformat(value["anchor"])))}
        if _cycle(value).start is not None:
            moved["start"] = _iso(by.add_to(_cycle(value).start))  # type: ignore[arg-type]
        moved["next"] = _iso(_cycle(moved).occurrence(moved["fired"], datetime.fromisoformat(moved["anchor"])))
        task._set_internal_data(event_value=moved)
    elif isinstance(definition, (EngineTimeDate, EngineDuration)):
        task._set_internal_data(event_value=_iso(by.add_to(datetime.fromisoformat(value))))


def _cycle(state: dict[str, Any]) -> timers.Cycle:
    """The cycle a waiting timer keeps, with its start moved if the case has been paused."""
    cycle = timers.parse_cycle(state["text"])
    if state.get("start"):
        cycle = replace(cycle, start=datetime.fromisoformat(state["start"]))
    return cycle


def due_time(task: Any) -> datetime | None:
    """When a waiting timer task falls due next, or None if it does not (or has not started)."""
    definition = timer_of(task.task_spec.event_definition)
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(definition, EngineCycle):
        if value["cycles"] == 0:
            return None
        return datetime.fromisoformat(value["next"])
    if isinstance(definition, (EngineTimeDate, EngineDuration)):
        return datetime.fromisoformat(value)
    return None
