"""Processes that open their cases themselves, on a timer start event (docs/modeling.md, "Opening
cases on a rhythm: timer start events"): Gemensamma taget's selection meeting, whose group starts
come about every six weeks, is the model (tests/bpmn/urval_rhythm.bpmn).

The journey starts on Monday 12 January 2026, 08:00 in Stockholm (07:00 UTC).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engine.api import WorkflowEngine
from engine.cases.timer_starts import MAX_CATCH_UP
from engine.errors import Conflict, InvalidProcess
from engine.persistence import start_timer_store
from engine.persistence.db import Database
from engine.sandbox import Sandboxes
from engine.views import Case, SourceFile
from tests.bpmn import BPMN_DIR
from tests.engine.journey import Journey, local

RHYTHM = "urval_rhythm.bpmn"
RHYTHM_XML = (BPMN_DIR / RHYTHM).read_text()
CYCLE = "<bpmn:timeCycle>R/P6W</bpmn:timeCycle>"


def deploy_rhythm(journey: Journey, timer: str = CYCLE, *, task: str = "Planera urvalsmöte och gruppstart") -> None:
    """Deploy the selection meeting with another timer (or another task name: a new version)."""
    xml = RHYTHM_XML.replace(CYCLE, timer).replace('name="Planera urvalsmöte och gruppstart"', f'name="{task}"')
    journey.engine.deploy([SourceFile(RHYTHM, xml.encode())], "designer")


def opened(journey: Journey, key: str = "urval_rytm") -> list[Case]:
    """The cases the process has, oldest first."""
    return sorted(journey.engine.cases(key), key=lambda c: c.created_at)


def weeks_after(start: datetime, weeks: int) -> datetime:
    """``weeks`` weeks after ``start`` on the Stockholm wall clock (08:00 stays 08:00 in summer)."""
    day = start.astimezone(local("2026-01-12").tzinfo).date() + timedelta(weeks=weeks)  # type: ignore[arg-type]
    return local(day.isoformat(), "08:00")


def test_a_six_weekly_rhythm_opens_a_selection_meeting_every_six_weeks_across_a_year(journey: Journey) -> None:
    start = journey.clock.now()
    journey.deploy(RHYTHM)
    assert opened(journey) == []  # deploying opens nothing: the first meeting is six weeks on

    journey.advance("P1Y")

    cases = opened(journey)
    assert len(cases) == 8  # weeks 6, 12 … 48 of 52
    assert [c.created_at for c in cases] == [weeks_after(start, 6 * n) for n in range(1, 9)]
    assert {c.started_by for c in cases} == {"timer"}
    assert all(journey.open_task_names(c) == ["planera_urvalsmote"] for c in cases)
    first = journey.history(cases[0])
    assert [e.event for e in first[:2]] == ["CaseStarted", "TimerFired"]
    assert first[1].element == "var_sjatte_vecka" and first[1].actor == "timer"
    assert journey.case(cases[0]).data.get("tidigare_arenden") == 0


def test_a_meeting_opened_by_the_rhythm_is_worked_like_any_other_case(journey: Journey) -> None:
    journey.deploy(RHYTHM)
    journey.advance("P6W")
    case = opened(journey)[0]

    journey.complete(case, "planera_urvalsmote", {"urvalsmote_datum": "2026-03-02"},
                     actor="koordinator")

    assert journey.case(case).status == "completed"
    assert len(opened(journey)) == 1  # the rhythm did not fire inside the case


def test_a_date_opens_one_case_at_that_date(journey: Journey) -> None:
    deploy_rhythm(journey, "<bpmn:timeDate>2026-03-02T08:00:00+01:00</bpmn:timeDate>")

    journey.advance("P1Y")

    assert [c.created_at for c in opened(journey)] == [local("2026-03-02", "08:00")]


def test_a_date_already_past_when_deployed_opens_nothing(journey: Journey) -> None:
    deploy_rhythm(journey, "<bpmn:timeDate>2026-01-05T08:00:00+01:00</bpmn:timeDate>")

    journey.advance("P1Y")

    assert opened(journey) == []


def test_a_duration_opens_one_case_that_long_after_deployment(journey: Journey) -> None:
    deployed = journey.clock.now()
    deploy_rhythm(journey, "<bpmn:timeDuration>P10D</bpmn:timeDuration>")

    journey.advance("P1Y")

    assert [c.created_at for c in opened(journey)] == [deployed + timedelta(days=10)]


def test_a_cycle_with_a_start_and_repetitions_opens_that_many_cases_from_its_start(journey: Journey) -> None:
    deploy_rhythm(journey, "<bpmn:timeCycle>R3/2026-02-02T08:00:00+01:00/P6W</bpmn:timeCycle>")

    journey.advance("P1Y")

    assert [c.created_at for c in opened(journey)] == [
        local("2026-02-02", "08:00"), local("2026-03-16", "08:00"), local("2026-04-27", "08:00")]


def test_a_cycle_whose_start_is_past_goes_on_from_its_next_occurrence_and_counts_the_past_ones(
        journey: Journey) -> None:
    deploy_rhythm(journey, "<bpmn:timeCycle>R3/2025-12-01T08:00:00+01:00/P6W</bpmn:timeCycle>")

    journey.advance("P1Y")

    # 1 December was the first; 12 January 08:00 is the moment of deployment (not before it): it opens.
    assert [c.created_at for c in opened(journey)] == [local("2026-01-12", "08:00"), local("2026-02-23", "08:00")]


def test_redeploying_with_the_same_timer_keeps_the_rhythm(journey: Journey) -> None:
    start = journey.clock.now()
    journey.deploy(RHYTHM)
    journey.advance("P4W")

    deploy_rhythm(journey, task="Planera urvalsmötet")  # version 2, the same R/P6W
    journey.advance("P8W")

    cases = opened(journey)
    assert [c.created_at for c in cases] == [weeks_after(start, 6), weeks_after(start, 12)]
    assert {c.process_version for c in cases} == {2}
    assert [t.title for t in journey.case(cases[0]).open_tasks] == ["Planera urvalsmötet"]


def test_redeploying_with_a_changed_timer_counts_afresh_from_the_deployment(journey: Journey) -> None:
    start = journey.clock.now()
    journey.deploy(RHYTHM)
    journey.advance("P4W")

    deploy_rhythm(journey, "<bpmn:timeCycle>R/P4W</bpmn:timeCycle>")
    journey.advance("P8W")

    assert [c.created_at for c in opened(journey)] == [weeks_after(start, 8), weeks_after(start, 12)]


def test_a_version_without_a_timer_start_event_stops_the_rhythm(journey: Journey) -> None:
    journey.deploy(RHYTHM)
    journey.advance("P7W")
    assert len(opened(journey)) == 1

    by_hand = RHYTHM_XML.replace(f"<bpmn:timerEventDefinition>{CYCLE}</bpmn:timerEventDefinition>", "")
    journey.engine.deploy([SourceFile(RHYTHM, by_hand.encode())], "designer")
    journey.advance("P1Y")

    assert len(opened(journey)) == 1
    assert journey.engine.operations.overview().automatic_starts == ()
    case = journey.engine.start_case("urval_rytm", actor="koordinator")  # a plain start event now
    assert journey.open_task_names(case) == ["planera_urvalsmote"]


def test_after_downtime_each_missed_meeting_opens_in_order_at_its_own_time(journey: Journey) -> None:
    start = journey.clock.now()
    journey.deploy(RHYTHM)

    journey.clock.set(start + timedelta(weeks=20))  # the server was down for twenty weeks
    assert journey.engine.run_due().timers == 3

    assert [c.created_at for c in opened(journey)] == [weeks_after(start, 6 * n) for n in (1, 2, 3)]
    journey.advance("P4W")
    assert opened(journey)[-1].created_at == weeks_after(start, 24)


def test_a_catch_up_opens_at_most_the_newest_missed_occurrences(journey: Journey) -> None:
    start = journey.clock.now()
    deploy_rhythm(journey, "<bpmn:timeCycle>R/P1D</bpmn:timeCycle>")

    journey.clock.set(start + timedelta(days=20, hours=1))  # twenty days missed
    journey.engine.run_due()

    cases = opened(journey)
    assert len(cases) == MAX_CATCH_UP
    assert [c.created_at for c in cases] == [start + timedelta(days=d) for d in range(21 - MAX_CATCH_UP, 21)]
    (automatic,) = journey.engine.operations.overview().automatic_starts
    assert automatic.skipped == 20 - MAX_CATCH_UP
    assert automatic.next_due_at == start + timedelta(days=21)


def test_two_ticks_at_the_same_moment_open_one_case(journey: Journey) -> None:
    start = journey.clock.now()
    journey.deploy(RHYTHM)
    due = weeks_after(start, 6)
    journey.clock.set(due)

    other = WorkflowEngine(journey.db, clock=journey.clock, migrate=False)  # a second worker
    assert journey.engine.run_due(until=due).timers == 1
    assert other.run_due(until=due).timers == 0

    assert len(opened(journey)) == 1


def test_two_workers_side_by_side_open_one_case(journey: Journey) -> None:
    start = journey.clock.now()
    journey.deploy(RHYTHM)
    journey.clock.set(start + timedelta(weeks=13))
    workers = [WorkflowEngine(Database(journey.db.url), clock=journey.clock, migrate=False) for _ in range(2)]
    fired: list[int] = []
    barrier = threading.Barrier(2)

    def tick(engine: WorkflowEngine) -> None:
        barrier.wait()
        fired.append(engine.run_due().timers)

    threads = [threading.Thread(target=tick, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.db.dispose()

    assert sum(fired) == 2
    assert [c.created_at for c in opened(journey)] == [weeks_after(start, 6), weeks_after(start, 12)]


def test_a_process_that_only_opens_its_cases_itself_cannot_be_started_by_hand(journey: Journey) -> None:
    journey.deploy(RHYTHM)

    with pytest.raises(Conflict, match="opens its cases itself, on its timer start event 'var_sjatte_vecka'"):
        journey.engine.start_case("urval_rytm", actor="koordinator")


def test_a_meeting_opened_by_hand_never_gets_the_rhythm_inside_it(journey: Journey) -> None:
    start = journey.clock.now()
    journey.deploy("urval_rhythm_or_by_hand.bpmn")

    extra = journey.engine.start_case("urval_extra", data={"anledning": "Många remisser"}, actor="koordinator")
    assert journey.open_task_names(extra) == ["planera_extra"]
    assert journey.case(extra).next_due_at is None  # the timer start event is cancelled in this case

    journey.advance("P13W")

    cases = opened(journey, "urval_extra")
    assert len(cases) == 3
    assert journey.open_task_names(extra) == ["planera_extra"]
    by_timer = [c for c in cases if c.started_by == "timer"]
    assert [c.created_at for c in by_timer] == [weeks_after(start, 6), weeks_after(start, 12)]
    assert all(journey.open_task_names(c) == ["planera_urvalsmote"] for c in by_timer)


def test_the_operations_overview_shows_the_next_automatic_start(journey: Journey) -> None:
    start = journey.clock.now()
    journey.deploy(RHYTHM)
    journey.advance("P7W")

    (automatic,) = journey.engine.operations.overview().automatic_starts
    assert (automatic.process_key, automatic.element, automatic.definition) == ("urval_rytm", "var_sjatte_vecka",
                                                                               "R/P6W")
    assert automatic.next_due_at == weeks_after(start, 12)
    assert automatic.opened == 1


# --- validation ---------------------------------------------------------------------------------------------


def refusals(xml: str) -> list[str]:
    from engine.api import validate

    return [f"{p.element}: {p.message}" for p in validate([SourceFile("m.bpmn", xml.encode())])
            if p.severity == "error"]


def test_a_participant_journey_cannot_open_its_cases_on_a_timer() -> None:
    xml = RHYTHM_XML.replace('isExecutable="true">', 'isExecutable="true"><bpmn:extensionElements><camunda:properties>'
                             '<camunda:property name="deltagarresa" value="ja" /></camunda:properties>'
                             '</bpmn:extensionElements>', 1)
    assert refusals(xml) == ['var_sjatte_vecka "Var sjätte vecka": a participant journey (deltagarresa = ja) cannot '
                             'open its cases on a timer: each of its cases is a person staff register (remove the '
                             'timer, or the property)']


def test_a_required_start_form_field_is_refused_beside_a_timer_start_event() -> None:
    xml = (BPMN_DIR / "urval_rhythm_or_by_hand.bpmn").read_text().replace(
        'label="Varför ett extra möte" type="string" />',
        'label="Varför ett extra möte" type="string"><camunda:validation><camunda:constraint name="required" />'
        '</camunda:validation></camunda:formField>')
    assert refusals(xml) == ['extra_mote "Extra urvalsmöte": the start form\'s field \'anledning\' is required, but '
                             "nobody answers it in the cases the timer start event 'var_sjatte_vecka' opens (make it "
                             "optional, or ask in a user task)"]


def test_a_timer_start_event_needs_iso_text_not_an_expression() -> None:
    xml = RHYTHM_XML.replace(CYCLE, "<bpmn:timeCycle>${rytm}</bpmn:timeCycle>")
    assert refusals(xml) == ['var_sjatte_vecka "Var sjätte vecka": a timer start event\'s cycle \'${rytm}\' must be '
                             'ISO 8601 text (e.g. R/P6W, P14D or 2027-01-11T08:00): there is no case data yet for an '
                             'expression to read']


def test_a_timer_start_event_without_a_time_is_refused() -> None:
    # As MIWG B.1.0 is (docs/conformance.md): its "Start Timer Event" has no time at all.
    xml = RHYTHM_XML.replace(CYCLE, "")
    assert refusals(xml) == ['var_sjatte_vecka "Var sjätte vecka": the timer has no time date, duration or cycle']


def test_a_process_opens_its_cases_on_one_timer_start_event_only() -> None:
    second = ('<bpmn:startEvent id="varje_manad"><bpmn:outgoing>f_month</bpmn:outgoing><bpmn:timerEventDefinition>'
              '<bpmn:timeCycle>R/P1M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>'
              '<bpmn:sequenceFlow id="f_month" sourceRef="varje_manad" targetRef="planera_urvalsmote" />')
    xml = RHYTHM_XML.replace("</bpmn:process>", second + "</bpmn:process>")
    assert refusals(xml) == ["varje_manad: a process may open its cases on one timer start event only; "
                             "'var_sjatte_vecka' is the first"]


def test_a_timer_start_event_inside_an_embedded_sub_process_is_refused() -> None:
    inner = ('<bpmn:subProcess id="inre" name="Inre"><bpmn:incoming>f_start</bpmn:incoming>'
             '<bpmn:outgoing>f_planerat</bpmn:outgoing>'
             '<bpmn:startEvent id="inre_start"><bpmn:outgoing>f_in</bpmn:outgoing><bpmn:timerEventDefinition>'
             '<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>'
             '<bpmn:endEvent id="inre_slut"><bpmn:incoming>f_in</bpmn:incoming></bpmn:endEvent>'
             '<bpmn:sequenceFlow id="f_in" sourceRef="inre_start" targetRef="inre_slut" /></bpmn:subProcess>')
    xml = RHYTHM_XML.replace("targetRef=\"planera_urvalsmote\"", "targetRef=\"inre\"").replace(
        "sourceRef=\"planera_urvalsmote\"", "sourceRef=\"inre\"").replace("</bpmn:process>", inner + "</bpmn:process>")
    assert "inre_start: a timer start event inside an embedded sub-process never fires: the sub-process starts " \
           "when its flow reaches it (use a plain start event and an intermediate timer event after it)" \
           in refusals(xml)


def test_deploying_a_refused_timer_start_keeps_nothing(journey: Journey) -> None:
    with pytest.raises(InvalidProcess):
        deploy_rhythm(journey, "<bpmn:timeCycle>${rytm}</bpmn:timeCycle>")
    journey.advance("P1Y")
    assert opened(journey) == []


def test_a_sandbox_opens_the_meetings_only_when_the_designer_moves_its_time(tmp_path: Path) -> None:
    sandboxes = Sandboxes(tmp_path)
    box = sandboxes.get("draft-1", local("2026-01-12", "08:00"))
    try:
        box.load([SourceFile(RHYTHM, RHYTHM_XML.encode())], "designer")
        (automatic,) = box.engine.automatic_starts()
        assert automatic.next_due_at == local("2026-02-23", "08:00")  # six weeks on the sandbox's clock
        assert box.engine.cases("urval_rytm") == []

        assert box.advance(timedelta(weeks=7)) == 1

        assert [c.created_at for c in box.engine.cases("urval_rytm")] == [local("2026-02-23", "08:00")]
    finally:
        sandboxes.close()


def test_a_version_deployed_before_start_timers_were_kept_gets_one_when_deployed_again(journey: Journey) -> None:
    start = journey.clock.now()
    journey.deploy(RHYTHM)
    with journey.db.transaction() as session:  # as a database upgraded from before revision 0003 holds it
        start_timer_store.remove(session, "urval_rytm")
    journey.advance("P1W")

    journey.engine.deploy([SourceFile(RHYTHM, RHYTHM_XML.encode())], "system", keep_published=True)  # `serve`
    journey.advance("P7W")

    assert [c.created_at for c in opened(journey)] == [weeks_after(start, 7)]
    assert [v.version for v in journey.engine.versions("urval_rytm")] == [1]


def test_a_case_that_cannot_start_passes_its_occurrence_and_the_error_shows(journey: Journey) -> None:
    # The start event computes from what the case starts with: every case the timer opens has 0 earlier cases.
    failing = RHYTHM_XML.replace(
        '<bpmn:outgoing>f_start</bpmn:outgoing>\n      <bpmn:timerEventDefinition>',
        '<bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter name="kvot">1 / tidigare_arenden'
        '</camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements>'
        '<bpmn:outgoing>f_start</bpmn:outgoing>\n      <bpmn:timerEventDefinition>')
    journey.engine.deploy([SourceFile(RHYTHM, failing.encode())], "designer")

    journey.advance("P7W")

    assert opened(journey) == []
    (automatic,) = journey.engine.operations.overview().automatic_starts
    assert automatic.opened == 0
    assert automatic.last_error is not None and "var_sjatte_vecka" in automatic.last_error
    assert automatic.next_due_at == weeks_after(local("2026-01-12", "08:00"), 12)  # the next one is still due
