"""Firing a case's due timers: every occurrence due by a moment, earliest first, each "at" its own
due time, so that what a timer starts is timed from when it should have happened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine import clock as clock_module
from engine import events
from engine.cases.runner import Step
from engine.clock import PinnedClock
from engine.errors import StepFailed
from engine.persistence.models import CaseRow
from engine.spiff import runtime

#: How many occurrences one case may fire in one catch-up before it is treated as a runaway loop.
MAX_FIRINGS_PER_CASE = 5_000


def fire_due(workflow: Any, row: CaseRow, step: Step, until: datetime) -> int:
    """Fire a case's timers due by ``until``, earliest first, each at its own due time; how many fired."""
    count = 0
    while True:
        due = [t for t in runtime.waiting_timers(workflow) if t.due_at <= until]
        if not due:
            return count
        moment = due[0].due_at
        now_due = [t for t in due if t.due_at <= moment]
        with clock_module.using(PinnedClock(moment)):
            runtime.guarded(row.id, lambda: runtime.fire_due_timers(workflow), now_due[0].element)
        for timer in now_due:
            step.record(events.TimerFired(timer.element, timer.due_at))
        count += len(now_due)
        if count > MAX_FIRINGS_PER_CASE:
            raise StepFailed(row.id, now_due[0].element, "the timer keeps firing: a loop without end")
