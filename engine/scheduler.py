"""The scheduler: one APScheduler interval job that fires what the database says is due, and
hands the outbox to the mail server.

APScheduler holds no state of its own here: due times live in the ``cases.next_due_at`` column and
the outbox in ``deliveries``, so a restart loses nothing and catches up on whatever fell due while
it was down. A worker leaves a heartbeat in ``workers``, which the operations view reads: after
every tick that did something or whose outcome changed, and otherwise every 30 seconds (an idle
tick is then one statement; the heartbeat had been half of its cost).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from engine.api import WorkflowEngine
from engine.clock import SystemClock
from engine.notifications.delivery import DeliveryWorker, worker_id

log = logging.getLogger("samverkan.scheduler")
#: The longest an idle, healthy worker goes without writing its heartbeat.
HEARTBEAT_EVERY = timedelta(seconds=30)
#: Heartbeats between two looks for long-silent workers' rows (idle: every 10 minutes).
PRUNE_EVERY = 20


@dataclass
class Health:
    """What the operations view shows about this process's scheduler."""

    last_tick: datetime | None = None
    last_fired: int = 0
    last_error: str | None = None
    ticks: int = 0
    #: Whether the last tick found anything to do (a worker run ``--until-idle`` stops when not).
    last_busy: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class Ticker:
    """One tick: fire everything due, then deliver. Never raises (a failing tick is logged, recorded
    and retried next time)."""

    def __init__(self, engine: WorkflowEngine, delivery: DeliveryWorker | None = None,
                 daily: Callable[[], object] | None = None) -> None:
        self.engine = engine
        self.delivery = delivery
        #: Run at the first tick of every day (the engine clock's, UTC): the retention purge.
        self.daily = daily
        self._daily_on: date | None = None
        self.worker_id = delivery.owner if delivery is not None else worker_id()
        self.health = Health()
        # The heartbeat as last written: when, with which error, how many ticks since, how many written.
        self._beat_at: datetime | None = None
        self._beat_error: str | None = None
        self._unrecorded = 0
        self._beats = 0

    def __call__(self) -> int:
        fired = 0
        busy = False
        errors: list[str] = []
        try:
            run = self.engine.run_due()
            fired = run.timers
            busy = bool(run.timers or run.reminders or run.escalations)
            if busy:
                log.info("fired %d timer occurrence(s); %d reminder(s), %d escalation(s)",
                         run.timers, run.reminders, run.escalations)
        except Exception as err:  # the loop must outlive any one failure
            log.exception("scheduler tick failed")
            errors.append(f"{type(err).__name__}: {err}")
        if self.delivery is not None:
            try:
                delivered = self.delivery.run()
                busy = busy or delivered.busy
                if delivered.busy:
                    log.info("mail: %d expanded, %d digest(s), %d sent, %d to retry, %d failed", delivered.expanded,
                             delivered.digests, delivered.sent, delivered.retried, delivered.failed)
            except Exception as err:
                log.exception("delivery failed")
                errors.append(f"{type(err).__name__}: {err}")
        if self.daily is not None and self._daily_on != self.engine.clock.now().date():
            try:
                self.daily()
                self._daily_on = self.engine.clock.now().date()
            except Exception as err:  # tried again next tick
                log.exception("the daily job failed")
                errors.append(f"{type(err).__name__}: {err}")
        error = "; ".join(errors) or None
        self._heartbeat(busy, error)
        with self.health._lock:
            self.health.last_tick = self.engine.clock.now()
            self.health.last_fired = fired
            self.health.last_error = error
            self.health.last_busy = busy
            self.health.ticks += 1
        return fired

    def _heartbeat(self, busy: bool, error: str | None) -> None:
        """Write the heartbeat when the tick did something, its outcome changed, or the last one is
        HEARTBEAT_EVERY old; a heartbeat that cannot be written is tried again next tick."""
        self._unrecorded += 1
        now = self.engine.clock.now()
        due = (busy or self._beat_at is None or error != self._beat_error
               or now - self._beat_at >= HEARTBEAT_EVERY)
        if not due:
            return
        try:
            # Forgetting long-silent workers is a query of its own: once in PRUNE_EVERY heartbeats.
            self.engine.operations.record_tick(self.worker_id, error, ticks=self._unrecorded,
                                    prune=self._beats % PRUNE_EVERY == 0)
        except Exception:
            log.exception("could not record the heartbeat")
            return
        self._beat_at, self._beat_error, self._unrecorded = now, error, 0
        self._beats += 1

    def until_idle(self, max_ticks: int = 100_000) -> int:
        """Tick until a tick finds nothing to do (the catch-up of a worker started by cron or a
        script); returns how many ticks ran. A failing tick counts as idle: its error is in
        ``health.last_error``."""
        for ticks in range(1, max_ticks + 1):
            self()
            if not self.health.last_busy:
                return ticks
        return max_ticks


def _configure(scheduler: BackgroundScheduler | BlockingScheduler, ticker: Ticker, interval: float) -> None:
    scheduler.add_job(ticker, "interval", seconds=interval, id="fire-due-timers", max_instances=1,
                      coalesce=True, misfire_grace_time=None, next_run_time=SystemClock().now())


def background(engine: WorkflowEngine, interval: float = 5.0, delivery: DeliveryWorker | None = None,
               daily: Callable[[], object] | None = None) -> tuple[BackgroundScheduler, Ticker]:
    """A scheduler running beside a web app in the same process."""
    ticker = Ticker(engine, delivery, daily)
    scheduler = BackgroundScheduler(timezone="UTC")
    _configure(scheduler, ticker, interval)
    return scheduler, ticker


def blocking(engine: WorkflowEngine, interval: float = 5.0, delivery: DeliveryWorker | None = None,
             daily: Callable[[], object] | None = None) -> tuple[BlockingScheduler, Ticker]:
    """A scheduler that is the whole process (``samverkan worker``)."""
    ticker = Ticker(engine, delivery, daily)
    scheduler = BlockingScheduler(timezone="UTC")
    _configure(scheduler, ticker, interval)
    return scheduler, ticker
