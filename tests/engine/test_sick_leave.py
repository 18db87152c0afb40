"""Sick leave as the model draws it: a task marked ``pausar_arendet`` holds the case still while it
is open — no timer fires, nothing else can be done — and when it ends the case goes on with its
clock moved by the days it stood still. Sick leave can be reported again and again."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine import events
from engine.errors import Conflict, InvalidFormData
from engine.persistence.models import CaseRow
from engine.spiff import state
from simulation import stored


@pytest.fixture
def participation(journey):  # type: ignore[no-untyped-def]
    journey.clock.set(datetime(2026, 1, 31, 9, 0, tzinfo=UTC))
    journey.deploy("sick_leave.bpmn")
    return journey.start("sick_leave")


def _fired(journey, case) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.details["due_at"][:10] for e in journey.history(case, events.TimerFired.event)]


def test_sick_leave_holds_the_case_still_until_it_ends(journey, participation) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P1M")
    assert _fired(journey, participation) == ["2026-02-28"]

    case = journey.engine.send_message(participation.id, "sjukskrivning_rapporterad", {}, "teamledare")
    assert case.status == "paused" and case.next_due_at is None
    paused = journey.history(case, events.CasePaused.event)[0]
    assert paused.element == "vilande" and paused.details["reason"] == "Vilande under sjukskrivning"

    journey.advance("P2M")  # 2026-04-28: no monthly contact, nothing else can be done
    assert _fired(journey, participation) == ["2026-02-28"]
    with pytest.raises(Conflict, match="paused"):
        journey.complete(participation, "contact_referrer", {"kontakt_datum": "2026-04-01"})
    with pytest.raises(Conflict, match="rests until"):
        journey.engine.resume_case(participation.id, "teamledare")

    case = journey.complete(participation, "vilande", {"sjukskriven_tom": "2026-04-28"})
    assert case.status == "open"
    assert journey.history(case, events.CaseResumed.event)[0].details == {"paused_days": 59}
    # From 2026-02-28 to 2026-04-28: the monthly rhythm goes on from its anchor moved 59 days
    # (2026-01-31 → 2026-03-31), so the next contact is on 2026-05-31; the limit moved as far.
    assert case.next_due_at == datetime(2026, 5, 31, 8, 0, tzinfo=UTC)
    assert max(t.due_at for t in case.timers) == datetime(2027, 3, 31, 8, 0, tzinfo=UTC)
    journey.advance("P5W")
    assert _fired(journey, participation) == ["2026-02-28", "2026-05-31"]


def test_the_end_of_sick_leave_reported_by_message_resumes_the_case(journey, participation) -> None:  # type: ignore[no-untyped-def]
    journey.engine.send_message(participation.id, "sjukskrivning_rapporterad", {}, "teamledare")
    journey.advance("P10D")
    case = journey.engine.send_message(participation.id, "sjukskrivning_avslutad", {}, "teamledare")
    assert case.status == "open" and journey.open_task_names(case) == ["work"]
    assert journey.history(case, events.CaseResumed.event)[0].details == {"paused_days": 10}
    assert case.next_due_at == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 2026-02-28 + 10 days


def test_sick_leave_can_be_reported_again_in_the_same_participation(journey, participation) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        journey.engine.send_message(participation.id, "sjukskrivning_rapporterad", {}, "teamledare")
        journey.advance("P5D")
        journey.engine.send_message(participation.id, "sjukskrivning_avslutad", {}, "teamledare")
        journey.advance("P5D")
    assert [e.event for e in journey.history(participation)
            if e.event in (events.CasePaused.event, events.CaseResumed.event)] == [
        events.CasePaused.event, events.CaseResumed.event] * 3
    assert "sjukskrivning_rapporterad" in journey.engine.waiting_messages(participation.id)


def test_a_person_cannot_pause_a_case_that_rests(journey, participation) -> None:  # type: ignore[no-untyped-def]
    journey.engine.send_message(participation.id, "sjukskrivning_rapporterad", {}, "teamledare")
    with pytest.raises(Conflict):
        journey.engine.pause_case(participation.id, "semester", "teamledare")


def test_sick_leave_is_not_reported_twice_at_once(journey, participation) -> None:  # type: ignore[no-untyped-def]
    journey.engine.send_message(participation.id, "sjukskrivning_rapporterad", {}, "teamledare")
    assert journey.engine.waiting_messages(participation.id) == ["sjukskrivning_avslutad"]
    with pytest.raises(Conflict, match="not waiting"):
        journey.engine.send_message(participation.id, "sjukskrivning_rapporterad", {}, "teamledare")
    assert journey.open_task_names(participation) == ["vilande", "work"]


def test_a_limit_the_model_keeps_running_is_not_moved_by_the_pause(journey) -> None:  # type: ignore[no-untyped-def]
    from engine.spiff.loading import SourceFile
    from tests.bpmn import BPMN_DIR

    journey.clock.set(datetime(2026, 1, 31, 9, 0, tzinfo=UTC))
    running = (BPMN_DIR / "sick_leave.bpmn").read_text().replace(
        '<bpmn:boundaryEvent id="limit" name="12 månader" attachedToRef="work">',
        '<bpmn:boundaryEvent id="limit" name="12 månader" attachedToRef="work"><bpmn:extensionElements>'
        '<camunda:properties><camunda:property name="under_paus" value="löper" /></camunda:properties>'
        '</bpmn:extensionElements>')
    journey.engine.deploy([SourceFile("sick_leave.bpmn", running.encode())], "designer")
    case = journey.start("sick_leave")
    journey.engine.send_message(case.id, "sjukskrivning_rapporterad", {}, "teamledare")
    journey.advance("P1M")
    case = journey.complete(case, "vilande", {"sjukskriven_tom": "2026-02-28"})
    limit = next(t for t in case.timers if t.element == "limit")
    every_month = next(t for t in case.timers if t.element == "every_month")
    assert limit.due_at == datetime(2027, 1, 31, 9, 0, tzinfo=UTC)  # the 12 months include the sick leave
    assert every_month.due_at == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)  # 28 days later than 2026-02-28


def test_sick_leave_cannot_end_before_it_began(journey, participation) -> None:  # type: ignore[no-untyped-def]
    journey.engine.send_message(participation.id, "sjukskrivning_rapporterad", {}, "teamledare")
    with pytest.raises(InvalidFormData) as refused:
        journey.complete(participation, "vilande", {"sjukskriven_from": "2026-02-10", "sjukskriven_tom": "2026-02-01"})
    assert refused.value.fields == {"sjukskriven_tom": "Sjukskrivningen kan inte upphöra innan den började"}
    assert journey.case(participation).status == "paused"  # nothing was applied

    case = journey.complete(participation, "vilande",
                            {"sjukskriven_from": "2026-02-01", "sjukskriven_tom": "2026-02-10"})
    assert case.status == "open" and case.data["sjukskriven_tom"] == "2026-02-10"


def test_thirty_sick_leaves_cost_no_more_to_keep_than_five(journey, participation) -> None:  # type: ignore[no-untyped-def]
    # Each sick leave hangs its path (the resting task, the end reported on its border, the joins
    # of both) under the message that may come again; a finished one is history, in the event log.
    def held() -> tuple[int, int]:
        with journey.db.reading() as session:
            text = state.json_text(session.scalar(select(CaseRow.state).where(CaseRow.id == participation.id)))
        resting = sum(t["task_spec"] == "vilande" for t in json.loads(text)["tasks"].values())
        return len(text), resting

    sizes = {}
    for n in range(1, 31):
        journey.engine.send_message(participation.id, "sjukskrivning_rapporterad", {}, "teamledare")
        journey.advance("P1D")
        journey.engine.send_message(participation.id, "sjukskrivning_avslutad", {}, "teamledare")
        journey.advance("P1D")
        for _ in journey.case(participation).open_tasks[1:]:  # the monthly contact, done as it comes
            journey.complete(participation, "contact_referrer", {"kontakt_datum": "2026-02-15"})
        sizes[n] = held()
    assert sizes[30][0] <= sizes[5][0] * 1.1, sizes
    assert sizes[30][1] == 1  # the last path only
    assert len(journey.history(participation, events.CaseResumed.event)) == 30
    assert stored.serializer_problem(journey.engine, participation.id) is None
    assert journey.open_task_names(participation) == ["work"]
