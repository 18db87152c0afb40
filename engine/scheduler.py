"""The scheduler: one APScheduler interval job that fires what the database says is due.

APScheduler holds no state of its own here: due times live in the ``cases.next_due_at`` column,
so a restart loses nothing and catches up on whatever fell due while it was down.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from engine.api import WorkflowEngine

log = logging.getLogger("samverkan.scheduler")


@dataclass
class Health:
    """What the operations view shows about the scheduler."""

    last_tick: datetime | None = None
    last_fired: int = 0
    last_error: str | None = None
    ticks: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class Ticker:
    """One tick: fire everything due. Never raises (a failing tick is logged and retried next time)."""

    def __init__(self, engine: WorkflowEngine) -> None:
        self.engine = engine
        self.health = Health()

    def __call__(self) -> int:
        fired = 0
        try:
            run = self.engine.run_due()
            fired = run.timers
            error = None
            if run.timers or run.reminders or run.escalations:
                log.info("fired %d timer occurrence(s); %d reminder(s), %d escalation(s)",
                         run.timers, run.reminders, run.escalations)
        except Exception as err:  # the loop must outlive any one failure
            log.exception("scheduler tick failed")
            error = f"{type(err).__name__}: {err}"
        with self.health._lock:
            self.health.last_tick = self.engine.clock.now()
            self.health.last_fired = fired
            self.health.last_error = error
            self.health.ticks += 1
        return fired


def _configure(scheduler: BackgroundScheduler | BlockingScheduler, ticker: Ticker, interval: float) -> None:
    scheduler.add_job(ticker, "interval", seconds=interval, id="fire-due-timers", max_instances=1,
                      coalesce=True, misfire_grace_time=None, next_run_time=datetime.now().astimezone())


def background(engine: WorkflowEngine, interval: float = 5.0) -> tuple[BackgroundScheduler, Ticker]:
    """A scheduler running beside a web app in the same process."""
    ticker = Ticker(engine)
    scheduler = BackgroundScheduler(timezone="UTC")
    _configure(scheduler, ticker, interval)
    return scheduler, ticker


def blocking(engine: WorkflowEngine, interval: float = 5.0) -> tuple[BlockingScheduler, Ticker]:
    """A scheduler that is the whole process (``samverkan worker``)."""
    ticker = Ticker(engine)
    scheduler = BlockingScheduler(timezone="UTC")
    _configure(scheduler, ticker, interval)
    return scheduler, ticker
