"""The operations page's view of the engine: timers due and not fired, mails waiting and failed,
and whether the scheduler keeps up — with nothing running, with a worker stopped, and after a tick."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.scheduler import Ticker
from tests.engine.post import PostOffice, person

# Delivery keeps nothing in memory between runs: one engine throughout is enough (not restored).
pytestmark = pytest.mark.parametrize("journey", ["straight"], indirect=True)


@pytest.fixture
def post(journey, mailbox, referral) -> PostOffice:  # type: ignore[no-untyped-def]
    return PostOffice(journey, mailbox, [
        person("lena.teamledare", "teamledare", teams=("referral_reply",)),
        person("stina.styrgrupp", "styrgrupp", teams=("referral_reply",)),
    ])


def test_with_no_worker_running_the_due_work_piles_up_and_shows(journey, post) -> None:  # type: ignore[no-untyped-def]
    before = journey.engine.operations.overview()
    assert before.due_timers == () and before.scheduler.last_tick_at is None
    assert before.scheduler.timer_lag == timedelta(0)

    journey.clock.advance(timedelta(days=15))  # time passes, but nobody ticks
    overview = journey.engine.operations.overview()
    [due] = overview.due_timers
    assert (due.element, overview.due_timer_count) == ("reply_overdue", 1)
    assert overview.scheduler.timer_lag == timedelta(days=1, hours=8)  # due at midnight before 26 January


def test_a_tick_fires_delivers_and_leaves_a_heartbeat(journey, post) -> None:  # type: ignore[no-untyped-def]
    post.mailbox.refuse("stina.styrgrupp@samverkan.test")
    post.mailbox.down()
    ticker = Ticker(journey.engine, post.worker("worker-a"))
    journey.clock.advance(timedelta(days=15))
    ticker()

    overview = journey.engine.operations.overview()
    assert overview.due_timers == () and overview.scheduler.timer_lag == timedelta(0)
    assert [w.id for w in overview.scheduler.workers] == ["worker-a"]
    assert overview.scheduler.last_tick_at == journey.clock.now()
    assert {d.address for d in overview.pending_deliveries} == {"lena.teamledare@samverkan.test",
                                                                 "stina.styrgrupp@samverkan.test"}
    assert all("cannot reach" in (d.last_error or "") for d in overview.pending_deliveries)
    assert overview.delivery_counts == {"expanded": 3, "pending": 3}  # a reminder and two escalations

    post.mailbox.up()
    journey.clock.advance(timedelta(minutes=1))
    ticker()
    overview = journey.engine.operations.overview()
    [failed] = overview.failed_deliveries
    assert failed.address == "stina.styrgrupp@samverkan.test" and failed.last_error.startswith("RCPT TO refused: 550")
    assert overview.pending_deliveries == ()
    assert overview.delivery_counts == {"expanded": 3, "sent": 2, "failed": 1}


def test_a_worker_that_stopped_ticking_shows_its_last_tick(journey, post) -> None:  # type: ignore[no-untyped-def]
    Ticker(journey.engine, post.worker("worker-a"))()
    ticked = journey.clock.now()
    journey.clock.advance(timedelta(hours=2))
    Ticker(journey.engine, post.worker("worker-b"))()
    workers = {w.id: w.last_tick_at for w in journey.engine.operations.overview().scheduler.workers}
    assert workers == {"worker-a": ticked, "worker-b": journey.clock.now()}
