"""The scheduler is one interval job that fires what the database says is due, and survives failures."""

from __future__ import annotations

from datetime import timedelta

from engine import events
from engine.scheduler import Ticker, background, blocking


def test_one_interval_job_fires_what_is_due(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    case = journey.start("referral_reply")
    journey.complete(case, "register_referral", {"remiss_inkom": "2026-01-12"})
    engine = journey.engine
    scheduler, ticker = background(engine, interval=1)
    jobs = scheduler.get_jobs()
    assert [j.id for j in jobs] == ["fire-due-timers"]

    assert ticker() == 0
    journey.clock.advance(timedelta(days=15))
    assert ticker() == 1
    assert ticker() == 0
    assert ticker.health.ticks == 3 and ticker.health.last_error is None
    assert journey.history(case, events.TimerFired.event)[0].element == "reply_overdue"


def test_a_failing_tick_is_recorded_and_the_next_one_runs(journey) -> None:  # type: ignore[no-untyped-def]
    engine = journey.engine
    _, ticker = blocking(engine, interval=1)

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("database went away")

    real = engine.run_due
    engine.run_due = broken  # type: ignore[method-assign]
    assert ticker() == 0
    assert ticker.health.last_error == "RuntimeError: database went away"
    engine.run_due = real  # type: ignore[method-assign]
    assert ticker() == 0
    assert ticker.health.last_error is None and ticker.health.ticks == 2


def test_an_idle_worker_writes_its_heartbeat_every_half_minute_a_busy_or_failing_one_at_once(journey) -> None:  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    case = journey.start("referral_reply")
    journey.complete(case, "register_referral", {"remiss_inkom": "2026-01-12"})
    engine = journey.engine
    ticker = Ticker(engine)

    def heartbeat() -> tuple[object, int, str | None]:
        [worker] = engine.operations.overview().scheduler.workers
        return worker.last_tick_at, worker.ticks, worker.last_error

    first = journey.clock.now()
    ticker()
    for _ in range(5):  # idle ticks every 5 seconds: nothing written for 25 seconds
        journey.clock.advance(timedelta(seconds=5))
        ticker()
        assert heartbeat() == (first, 1, None)
    journey.clock.advance(timedelta(seconds=5))
    ticker()
    assert heartbeat() == (journey.clock.now(), 7, None)  # half a minute on: every tick counted

    real = engine.run_due

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("database went away")

    engine.run_due = broken  # type: ignore[method-assign]
    journey.clock.advance(timedelta(seconds=5))
    ticker()
    assert heartbeat() == (journey.clock.now(), 8, "RuntimeError: database went away")
    engine.run_due = real  # type: ignore[method-assign]
    journey.clock.advance(timedelta(seconds=5))
    ticker()
    assert heartbeat() == (journey.clock.now(), 9, None)  # well again: shown at once

    journey.clock.advance(timedelta(days=15))  # the reply is overdue: the tick fires the timer
    assert ticker() == 1
    assert heartbeat() == (journey.clock.now(), 10, None)
