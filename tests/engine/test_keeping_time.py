"""Deadlines the engine keeps by itself: monthly contacts on calendar months, a 12-month limit,
catching up after downtime, and a paused case whose clock stands still."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine import events
from engine.errors import Conflict


@pytest.fixture
def monthly(journey):  # type: ignore[no-untyped-def]
    # Enrolled on the 31st, so that every short month has to clamp.
    journey.clock.set(datetime(2026, 1, 31, 9, 0, tzinfo=UTC))
    journey.deploy("monthly_contact.bpmn")
    return journey.start("monthly_contact")


def test_a_year_of_monthly_contacts_falls_on_calendar_months(journey, monthly) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P11M")

    fired = [e.details["due_at"][:10] for e in journey.history(monthly, events.TimerFired.event)
             if e.element == "every_month"]
    assert fired == [
        "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31",
        "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31",
    ]
    assert journey.open_task_names(monthly).count("contact_referrer") == 11


def test_each_contact_task_is_due_a_week_after_it_appears(journey, monthly) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P1M")
    contact = journey.task(monthly, "contact_referrer")
    assert contact.created_at == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)
    assert contact.due_at == datetime(2026, 3, 7, 9, 0, tzinfo=UTC)


def test_the_twelve_month_limit_ends_the_work_and_its_monthly_cycle(journey, monthly) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P12M")
    case = journey.case(monthly)
    limit = journey.history(monthly, events.TimerFired.event)[-1]
    assert limit.element in ("limit", "every_month")
    assert any(e.element == "limit" for e in journey.history(monthly, events.TimerFired.event))
    assert case.timers == () and case.next_due_at is None

    # The contacts nobody made outlive the work: they are still owed, and the case ends when they are made.
    assert case.status == "open"
    assert journey.open_task_names(monthly) == ["contact_referrer"] * 12
    assert [e.element for e in journey.history(monthly, events.TaskWithdrawn.event)] == ["work"]  # by the limit
    for _ in range(12):
        journey.complete(monthly, "contact_referrer", {"kontakt_datum": "2027-01-31"})
    assert journey.case(monthly).status == "completed"

    journey.advance("P3M")
    assert len(journey.history(monthly, events.TimerFired.event)) == 13  # 12 contacts (the last with the limit) + limit


def test_after_three_months_of_downtime_every_occurrence_fires_in_order(journey, monthly) -> None:  # type: ignore[no-untyped-def]
    # No ticks while "down": the clock jumps, then one scheduler run catches up.
    journey.clock.set(datetime(2026, 5, 15, 12, 0, tzinfo=UTC))
    fired = journey.engine.run_due_timers()

    assert fired == 3
    occurrences = [e.details["due_at"][:10] for e in journey.history(monthly, events.TimerFired.event)]
    assert occurrences == ["2026-02-28", "2026-03-31", "2026-04-30"]
    # 10:00 in Stockholm every month: 09:00 UTC in winter, 08:00 UTC in summer.
    assert journey.case(monthly).next_due_at == datetime(2026, 5, 31, 8, 0, tzinfo=UTC)
    assert journey.engine.run_due_timers() == 0


def test_a_paused_case_keeps_its_timers_until_it_is_resumed(journey, monthly) -> None:  # type: ignore[no-untyped-def]
    journey.engine.pause_case(monthly.id, "heltidssjukskriven", "teamledare")
    paused = journey.case(monthly)
    assert paused.status == "paused" and paused.next_due_at is None and len(paused.timers) == 2

    journey.advance("P2M")
    assert journey.history(monthly, events.TimerFired.event) == []
    with pytest.raises(Conflict, match="paused"):
        journey.complete(monthly, "work", {"klar": True})

    # Resumed 59 calendar days later: nothing fell due meanwhile, so nothing fires at once; the
    # monthly rhythm goes on from an anchor moved 59 days (2026-03-31), and so does the limit.
    journey.engine.resume_case(monthly.id, "teamledare")
    journey.advance("PT1M")
    assert journey.history(monthly, events.TimerFired.event) == []
    assert journey.history(monthly, events.CaseResumed.event)[0].details == {"paused_days": 59}
    assert journey.case(monthly).next_due_at == datetime(2026, 4, 30, 8, 0, tzinfo=UTC)
    assert [t.due_at for t in journey.case(monthly).timers] == [
        datetime(2026, 4, 30, 8, 0, tzinfo=UTC), datetime(2027, 3, 31, 8, 0, tzinfo=UTC)]

    journey.advance("P1M")
    assert [e.details["due_at"][:10] for e in journey.history(monthly, events.TimerFired.event)] == ["2026-04-30"]
    paused = (events.CasePaused.event, events.CaseResumed.event)
    assert [e.event for e in journey.history(monthly) if e.event in paused] == list(paused)


def test_a_cycle_from_a_dated_start_keeps_its_dates_moved_by_the_pause(journey, monthly) -> None:  # type: ignore[no-untyped-def]
    from engine.spiff.loading import SourceFile
    from tests.bpmn import BPMN_DIR

    dated = (BPMN_DIR / "monthly_contact.bpmn").read_text().replace(
        'id="monthly_contact"', 'id="dated_contact"').replace("R/P1M", "R3/2026-03-02T10:00:00/P1M")
    journey.engine.deploy([SourceFile("dated_contact.bpmn", dated.encode())], "designer")
    case = journey.start("dated_contact")
    journey.engine.pause_case(case.id, "sjukskriven", "teamledare")
    journey.advance("P10D")  # 2026-01-31 → 2026-02-10
    journey.engine.resume_case(case.id, "teamledare")

    journey.advance("P4M")
    fired = [e.details["due_at"][:10] for e in journey.history(case, events.TimerFired.event)
             if e.element == "every_month"]
    assert fired == ["2026-03-12", "2026-04-12", "2026-05-12"]


def test_cancelling_needs_a_reason_and_clears_tasks_and_timers(journey, monthly) -> None:  # type: ignore[no-untyped-def]
    from engine.errors import InvalidInput

    with pytest.raises(InvalidInput):
        journey.engine.cancel_case(monthly.id, " ", "teamledare")
    case = journey.engine.cancel_case(monthly.id, "flyttat från kommunen", "teamledare")
    assert case.status == "cancelled" and case.open_tasks == () and case.timers == () and case.next_due_at is None
    assert journey.history(case, events.CaseCancelled.event)[0].details == {"reason": "flyttat från kommunen"}
    journey.advance("P2M")
    assert journey.history(case, events.TimerFired.event) == []


def test_contacts_worked_off_leave_only_the_main_task_and_its_two_timers(journey, monthly) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P6M")
    for _ in range(6):
        journey.complete(monthly, "contact_referrer", {"kontakt_datum": "2026-08-01"})
    case = journey.case(monthly)
    assert journey.open_task_names(case) == ["work"]
    assert case.next_due_at == datetime(2026, 8, 31, 8, 0, tzinfo=UTC)
    assert len(case.timers) == 2


def test_an_old_case_carries_no_more_state_than_a_young_one(journey, monthly) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from engine.language.timers import parse_duration
    from engine.persistence.models import CaseRow
    from engine.spiff import state

    def stored_size() -> int:
        with journey.db.transaction() as session:
            return len(state.json_text(session.scalars(select(CaseRow.state).where(CaseRow.id == monthly.id)).one()))

    start = journey.clock.now()
    sizes = {}
    for month in range(1, 12):
        journey.engine.advance_clock(to=parse_duration(f"P{month}M").add_to(start))
        journey.complete(monthly, "contact_referrer", {"kontakt_datum": f"2026-{month + 1:02d}-01"})
        sizes[month] = stored_size()

    # Each month's finished contact is pruned: month 11 stores what month 2 did, not several times more.
    assert sizes[11] <= sizes[2] * 1.1, sizes
    case = journey.case(monthly)
    assert case.data["kontakt_datum"] == "2026-12-01"
    assert journey.open_task_names(case) == ["work"]
    assert len(journey.history(case, events.TimerFired.event)) == 11


def test_two_workers_fire_every_occurrence_exactly_once(database_url, start_of_journey) -> None:  # type: ignore[no-untyped-def]
    import threading

    from engine.api import WorkflowEngine
    from tests.engine.journey import Journey

    journey = Journey(database_url, start_of_journey, restored=False)
    journey.deploy("monthly_contact.bpmn")
    cases = [journey.start("monthly_contact") for _ in range(30)]
    journey.clock.set(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))  # three months due for every case
    workers = [WorkflowEngine(journey.db, clock=journey.clock, migrate=False) for _ in range(2)]
    barrier = threading.Barrier(2)
    fired: list[int] = []

    def work(engine: WorkflowEngine) -> None:
        barrier.wait()
        fired.append(engine.run_due().timers)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(fired) == 90
    for case in cases:
        occurrences = [e.details["due_at"] for e in journey.history(case, events.TimerFired.event)]
        assert len(occurrences) == 3 and len(set(occurrences)) == 3
        assert journey.open_task_names(case).count("contact_referrer") == 3
    journey.db.dispose()


def test_contacts_done_out_of_order_leave_the_date_submitted_last(journey, monthly) -> None:  # type: ignore[no-untyped-def]
    """The work is done while March's and April's contacts are open (they outlive it); March's is
    recorded after April's, with the date the March task was given when it appeared (February's):
    what a person submits is the case's, even a value the task held."""
    journey.advance("P1M")
    journey.complete(monthly, "contact_referrer", {"kontakt_datum": "2026-03-02"})
    journey.advance("P2M5D")  # March's and April's contacts, both given 2 March
    march, april = sorted((t for t in journey.case(monthly).open_tasks if t.name == "contact_referrer"),
                          key=lambda t: t.created_at)
    assert march.created_at < april.created_at
    journey.complete(monthly, "work", {"klar": True})
    journey.engine.complete_task(april.id, {"kontakt_datum": "2026-05-04"}, "handläggare")
    assert journey.case(monthly).data["kontakt_datum"] == "2026-05-04"

    journey.engine.complete_task(march.id, {"kontakt_datum": "2026-03-02"}, "handläggare")
    assert journey.case(monthly).data["kontakt_datum"] == "2026-03-02"
