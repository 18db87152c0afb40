"""Time, injected.

Every part of the engine asks a :class:`Clock` for the time. Production uses :class:`SystemClock`;
tests and ``samverkan serve --simulated-clock`` use :class:`SimulatedClock`, which only moves when
told to, so a year of deadlines can pass in seconds without sleeping.

SpiffWorkflow reads ``datetime.now`` itself inside its timer module; :mod:`engine.spiff.timer_events`
replaces that read with :func:`now`, which answers from the clock made active with :func:`using`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that stands still until it is set or advanced. Thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("a simulated clock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a timezone-aware moment is needed")
        with self._lock:
            moment = moment.astimezone(UTC)
            if moment < self._now:
                raise ValueError("a simulated clock does not go backwards")
            self._now = moment

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)


class PinnedClock:
    """A clock fixed at one moment: the engine runs a timer occurrence "at" its due time."""

    def __init__(self, moment: datetime) -> None:
        self._moment = moment

    def now(self) -> datetime:
        return self._moment


_active: ContextVar[Clock | None] = ContextVar("samverkan_clock", default=None)
_system = SystemClock()


def now() -> datetime:
    """The time according to the clock active in this context (the system clock if none is)."""
    clock = _active.get()
    return (clock or _system).now()


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the one :func:`now` answers from, for the duration of the block."""
    token = _active.set(clock)
    try:
        yield clock
    finally:
        _active.reset(token)
