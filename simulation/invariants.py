"""The invariants every case keeps, checked after every step.

Each check is a plain function of what the engine shows (a case, its history, its stored state's
size) returning what is wrong, or None; :class:`CaseWatch` keeps what the checks of one case need
from step to step (the values its forms submitted, the timer occurrences fired so far, the size of
its state when it was three months old), reading only the history events new since its last look.

1. ``incident``    — the case has no incident.
2. ``open_tasks``  — no element has more open tasks in the case than the model allows
   (``samtidiga_uppgifter``; default one).
3. ``lost_value``  — every value a completed form submitted is in the case data afterwards, unless
   a later form, a data correction or a message set the same key, or the model computes that key
   itself (an output parameter or a decision output may legitimately change it).
4. ``timer``       — every timer occurrence fires once (no (element, due_at) twice), never before it
   is due, never while the case is paused, and no waiting timer of an open case is still due once
   the clock has moved past it (a paused case fires nothing; on resume its timers move on).
5. ``serializer``  — the stored state loads with SpiffWorkflow's own serializer as well as with
   the engine's, and gives the stored state back (:mod:`simulation.stored`).
6. ``growth``      — the stored state at any age from ``SIZE_BASELINE_MONTHS`` months on is at
   most ``GROWTH_FACTOR`` × the largest it (or any case of its journey) had in its first months +
   ``GROWTH_SLACK`` bytes; the median step at
   any age (months) costs at most ``COST_FACTOR`` × the median over the first ``BASELINE_MONTH``
   months + ``COST_SLACK``.
7. ``follow_up``   — at the end, every case of a journey that declares its follow-up has its row
   in the read model, and the row says what the case holds: its status, its start and end dates,
   its outcome and the outcome's category (:func:`follow_up`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.events import (
    CasePaused,
    CaseResumed,
    DataCorrected,
    IncidentRaised,
    MessageReceived,
    TaskCompleted,
    TimerFired,
)
from engine.views import Case, CaseEvent
from engine.views.followup import FollowUpRow, Indicators
from simulation.model import ProcessModel

#: The first months of a case (and of a process's steps), the baselines of the growth bounds.
BASELINE_MONTH = 3
#: The months within which a case's largest stored state is the baseline of its size bound.
SIZE_BASELINE_MONTHS = 6
#: Stored state at any later age ≤ GROWTH_FACTOR × baseline + GROWTH_SLACK bytes.
GROWTH_FACTOR = 2.0
GROWTH_SLACK = 20_000
#: Median step cost at any age ≤ COST_FACTOR × the median over the first BASELINE_MONTH months + COST_SLACK s.
COST_FACTOR = 3.0
COST_SLACK = 0.030
#: Ages with fewer steps than this are not compared (too few to say anything).
COST_MIN_STEPS = 30
#: Days in a month of age.
MONTH_DAYS = 30.44


def age_months(started: datetime, now: datetime) -> int:
    return int((now - started).total_seconds() // (MONTH_DAYS * 86400))


# --- 1 ----------------------------------------------------------------------------------------------

def incident(case: Case) -> tuple[str, str] | None:
    """(message, traceback) of the case's incident, if it has one."""
    if case.incident is not None:
        return (f"incident at {case.incident.element}: {case.incident.message}", case.incident.traceback or "")
    if case.status == "incident":
        return ("the case's status is incident", "")
    return None


# --- 2 ----------------------------------------------------------------------------------------------

def open_tasks(case: Case, model: ProcessModel) -> str | None:
    counts = Counter(t.name for t in case.open_tasks)
    for element, count in sorted(counts.items()):
        allowed = model.allowed_open(element)
        if allowed is not None and count > allowed:
            return f"{count} open tasks of {element} at once (the model allows {allowed})"
    return None


# --- 3 ----------------------------------------------------------------------------------------------

def expected_values(events: Iterable[CaseEvent], expected: dict[str, tuple[Any, str]] | None = None,
                    ) -> dict[str, tuple[Any, str]]:
    """key → (value, who set it last) from the forms completed, data corrected and messages received."""
    values = expected if expected is not None else {}
    for event in events:
        if event.event == TaskCompleted.event:
            for key, value in (event.details.get("data") or {}).items():
                values[key] = (value, f"form {event.element} at {event.at.isoformat()}")
        elif event.event in (DataCorrected.event, MessageReceived.event):
            for key in (event.details.get("data") or {}):
                values.pop(key, None)  # set by someone else: no longer the form's to vouch for
    return values


def lost_values(expected: Mapping[str, tuple[Any, str]], data: Mapping[str, Any],
                computed: Iterable[str] = ()) -> str | None:
    exempt = set(computed)
    for key, (value, source) in sorted(expected.items()):
        if key in exempt:
            continue
        if key not in data:
            return f"{key}={value!r} submitted by {source} is missing from the case data"
        if data[key] != value:
            return f"{key}={value!r} submitted by {source} is {data[key]!r} in the case data"
    return None


# --- 4 ----------------------------------------------------------------------------------------------

def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


@dataclass
class TimerLedger:
    """The timer occurrences a case has fired, and whether it is paused, read event by event."""

    fired: set[tuple[str, datetime]] = field(default_factory=set)
    paused: bool = False

    def read(self, events: Iterable[CaseEvent]) -> str | None:
        for event in events:
            if event.event == CasePaused.event:
                self.paused = True
            elif event.event == CaseResumed.event:
                self.paused = False
            elif event.event == TimerFired.event:
                due = _moment(event.details["due_at"])
                occurrence = (event.element or "", due)
                if occurrence in self.fired:
                    return f"timer {event.element} due {due.isoformat()} fired twice (again at {event.at.isoformat()})"
                self.fired.add(occurrence)
                if event.at < due:
                    return f"timer {event.element} due {due.isoformat()} fired early, at {event.at.isoformat()}"
                if self.paused:
                    return (f"timer {event.element} due {due.isoformat()} fired at {event.at.isoformat()} "
                            "while the case was paused")
        return None


def overdue_timers(case: Case, now: datetime) -> str | None:
    """After the clock moved to ``now``: an open case has no waiting timer due by then."""
    if case.status != "open" or case.incident is not None:
        return None
    late = sorted((t.due_at, t.element) for t in case.timers if t.due_at <= now)
    if late:
        due, element = late[0]
        return f"timer {element} due {due.isoformat()} has not fired though the clock is at {now.isoformat()}"
    return None


# --- 6 ----------------------------------------------------------------------------------------------

def growth(sizes_by_age: Mapping[int, int], journey_early: int = 0) -> str | None:
    """The largest state size at each age (months) of one case against the largest it had in its
    first SIZE_BASELINE_MONTHS months, or the largest any case of its journey had in its own first
    months (``journey_early``), whichever is larger: a journey reaches its widest phase (a
    participation with its sub-processes) within them, at its own pace — a case that waited longer
    for its participation to begin (a referral waiting for a group start) is as wide as the others
    once it does; after that no state may grow with age."""
    early = [size for month, size in sizes_by_age.items() if month < SIZE_BASELINE_MONTHS]
    if not early or max(sizes_by_age) < SIZE_BASELINE_MONTHS:
        return None
    baseline = max(max(early), journey_early)
    bound = GROWTH_FACTOR * baseline + GROWTH_SLACK
    for month, size in sorted(sizes_by_age.items()):
        if month >= SIZE_BASELINE_MONTHS and size > bound:
            return (f"stored state is {size} bytes at {month} months, over the bound {bound:.0f} "
                    f"({GROWTH_FACTOR}× the largest, {baseline} bytes, in a case's first {SIZE_BASELINE_MONTHS} "
                    f"months + {GROWTH_SLACK})")
    return None


def step_cost(costs_by_age: Mapping[int, Sequence[float]]) -> str | None:
    """The seconds of each step by case age (months), over all cases of a process — the CPU time the
    simulator's process spent on it — the median step at a later age against the median over the
    first months. The median, not the mean: a step that stalls now and then (a checkpoint, a
    collection) says nothing about the case's age."""
    early = [cost for m in range(BASELINE_MONTH) for cost in costs_by_age.get(m, ())]
    if len(early) < COST_MIN_STEPS:
        return None
    baseline = statistics.median(early)
    bound = COST_FACTOR * baseline + COST_SLACK
    for month, costs in sorted(costs_by_age.items()):
        if month >= BASELINE_MONTH and len(costs) >= COST_MIN_STEPS and statistics.median(costs) > bound:
            return (f"a step costs {1000 * statistics.median(costs):.1f} ms (median) at {month} months of age, "
                    f"over the bound {1000 * bound:.1f} ms ({COST_FACTOR}× the {1000 * baseline:.1f} ms of the "
                    f"first {BASELINE_MONTH} months + {1000 * COST_SLACK:.0f} ms)")
    return None


# --- one case, step after step -----------------------------------------------------------------------

@dataclass
class CaseWatch:
    """What the checks of one case remember between steps."""

    number: int
    case_id: str
    process: str
    model: ProcessModel
    started: datetime
    last_event: int | None = None  # the id of the last history event read
    expected: dict[str, tuple[Any, str]] = field(default_factory=dict)
    timers: TimerLedger = field(default_factory=TimerLedger)
    sizes_by_age: dict[int, int] = field(default_factory=dict)
    incident_events: list[str] = field(default_factory=list)

    def read_history(self, new: Sequence[CaseEvent]) -> str | None:
        """Take in the case's events since the last look (``history(case_id, after=last_event)``)."""
        if new:
            self.last_event = new[-1].id
        expected_values(new, self.expected)
        self.incident_events.extend(e.details.get("message", "") for e in new if e.event == IncidentRaised.event)
        return self.timers.read(new)

    def record_size(self, now: datetime, size: int) -> None:
        month = age_months(self.started, now)
        self.sizes_by_age[month] = max(self.sizes_by_age.get(month, 0), size)


def follow_up(case: Case, row: FollowUpRow | None, indicators: Indicators) -> str | None:
    """What the follow-up's row of the case says that the case does not (None: they agree)."""
    if not indicators.declared:
        return None
    if row is None:
        return "the case has no row in the follow-up's read model"
    data = case.data
    wrong = []
    if row.status != case.status:
        wrong.append(f"status {row.status}, the case is {case.status}")
    for name, named, value in (("start", indicators.start, row.started_on), ("end", indicators.end, row.ended_on)):
        held = data.get(named) if named else None
        if held and str(held)[:10] != (value.isoformat() if value else None):
            wrong.append(f"{name} {value}, the case holds {held}")
    outcome = data.get(indicators.outcome) if indicators.outcome else None
    if (str(outcome) if outcome is not None else None) != row.outcome:
        wrong.append(f"outcome {row.outcome}, the case holds {outcome}")
    elif row.category != (indicators.category_of(outcome) if outcome else None):
        wrong.append(f"category {row.category} for the outcome {outcome}")
    return "; ".join(wrong) or None
