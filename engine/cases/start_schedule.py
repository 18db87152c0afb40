"""When a process that opens its cases itself opens the next one (its start timer).

Deploying a version whose start event has a timer keeps one start timer for its process key: the
newest version's. A date opens one case at that date; a duration one case that long after the
deployment; a cycle one case at every occurrence, its repetitions counted. A newer version with the
same timer text keeps the rhythm (redeploying does not shift group starts); a changed text counts
afresh from the deployment; a version without a timer start event removes it.
"""

from __future__ import annotations

from datetime import datetime

from engine.language import timers
from engine.persistence import start_timer_store, store
from engine.persistence.db import Session
from engine.persistence.models import StartTimerRow
from engine.spiff.start_events import StartTimer


def due(kind: str, text: str, anchor: datetime, fired: int) -> datetime | None:
    """The due moment of occurrence number ``fired`` (0-based) of a start timer counted from
    ``anchor``, or None when it has no more."""
    if kind == "date":
        return timers.parse_datetime(text) if fired == 0 else None
    if kind == "duration":
        return timers.parse_duration(text).add_to(anchor) if fired == 0 else None
    cycle = timers.parse_cycle(text)
    if cycle.remaining(fired) == 0:
        return None
    return cycle.occurrence(fired, anchor)


def first_not_before(kind: str, text: str, anchor: datetime, moment: datetime) -> tuple[int, datetime | None]:
    """The number and due moment of the first occurrence at or after ``moment`` (occurrences before
    it are passed over: a date already past at deployment opens nothing, a cycle whose start lies in
    the past goes on from its next occurrence). Occurrences only grow, so they are searched by halving."""
    if (first := due(kind, text, anchor, 0)) is None or first >= moment:
        return 0, first
    low, high = 0, 1  # due(low) < moment; find the first high with due(high) >= moment or None
    while (found := due(kind, text, anchor, high)) is not None and found < moment:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        found = due(kind, text, anchor, middle)
        if found is not None and found < moment:
            low = middle
        else:
            high = middle
    return high, due(kind, text, anchor, high)


def on_deploy(session: Session, process_key: str, version_id: int, timer: StartTimer | None, now: datetime) -> None:
    """Keep the start timer of a newly deployed version (in the deployment's transaction)."""
    existing = start_timer_store.get(session, process_key)
    if timer is None:
        if existing is not None:
            start_timer_store.remove(session, process_key)
        return
    if existing is not None and (existing.kind, existing.definition) == (timer.kind, timer.text):
        existing.process_version_id, existing.element, existing.updated_at = version_id, timer.element, now
        start_timer_store.put(session, existing)
        return
    fired, next_due = first_not_before(timer.kind, timer.text, now, now)
    row = existing or StartTimerRow(process_key=process_key)
    row.process_version_id, row.element, row.kind, row.definition = version_id, timer.element, timer.kind, timer.text
    row.anchor, row.fired, row.skipped, row.opened, row.next_due_at = now, fired, 0, 0, next_due
    row.last_error, row.updated_at = None, now
    start_timer_store.put(session, row)


def adopt(session: Session, process_key: str, version_id: int, timer: StartTimer | None, now: datetime) -> None:
    """A deployment that found its files already deployed (``serve`` at start-up): the newest
    version's timer start event gets its start timer if it has none yet (a version deployed before
    the engine kept start timers), counted from now."""
    if timer is None or start_timer_store.get(session, process_key) is not None:
        return
    newest = store.latest_version(session, process_key)
    if newest is not None and newest.id == version_id:
        on_deploy(session, process_key, version_id, timer, now)
