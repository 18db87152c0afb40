"""Whichever comes first: the participant's answer or two weeks (tests/bpmn/reply_deadline.bpmn),
drawn with an event-based gateway; and a receive task, then a gateway inside an embedded
sub-process that waits for a reply (a receive task) or a weekly cycle (tests/bpmn/reply_in_phase.bpmn).

Every scenario runs straight and restored between every step, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine import events
from engine.errors import Conflict
from engine.persistence.models import CaseRow
from engine.spiff import state
from engine.views import SourceFile
from simulation import stored
from tests.bpmn import BPMN_DIR

ANSWER = "deltagaren_svarade"
#: Invited on Monday 2026-01-12 at 08:00 Stockholm: two weeks later is 2026-01-26 at 08:00.
TWO_WEEKS_LATER = datetime(2026, 1, 26, 7, 0, tzinfo=UTC)


@pytest.fixture
def invited(journey):  # type: ignore[no-untyped-def]
    journey.deploy("reply_deadline.bpmn")
    case = journey.start("reply_deadline", {})
    journey.complete(case, "invite")
    return case


def _fired(journey, case) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(e.element, e.details["due_at"]) for e in journey.history(case, events.TimerFired.event)]


def test_the_invited_case_waits_for_the_answer_and_for_two_weeks(journey, invited) -> None:  # type: ignore[no-untyped-def]
    case = journey.case(invited)
    assert case.waiting_messages == (ANSWER,)
    assert [(t.element, t.title, t.due_at) for t in case.timers] == [("two_weeks", "Två veckor", TWO_WEEKS_LATER)]
    assert case.next_due_at == TWO_WEEKS_LATER
    assert case.open_tasks == ()


def test_the_answer_first_withdraws_the_two_weeks(journey, invited) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P3D")
    case = journey.engine.send_message(invited.id, ANSWER, {"svar": "ja"}, "deltagare")

    assert journey.open_task_names(case) == ["plan"]
    assert case.data["svar"] == "ja"
    assert case.timers == () and case.next_due_at is None and case.waiting_messages == ()
    journey.advance("P30D")  # the two weeks pass: nothing fires
    assert _fired(journey, invited) == []
    assert journey.open_task_names(invited) == ["plan"]
    with pytest.raises(Conflict, match="not waiting"):
        journey.engine.send_message(invited.id, ANSWER, {}, "deltagare")
    assert journey.complete(invited, "plan").status == "completed"


def test_two_weeks_first_withdraws_the_answer(journey, invited) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P13D")
    assert journey.case(invited).waiting_messages == (ANSWER,)
    journey.advance("P1D")

    case = journey.case(invited)
    assert _fired(journey, invited) == [("two_weeks", TWO_WEEKS_LATER.isoformat())]
    assert journey.open_task_names(case) == ["follow_up"]
    assert case.waiting_messages == () and case.timers == ()
    with pytest.raises(Conflict, match="not waiting for the message 'deltagaren_svarade'"):
        journey.engine.send_message(invited.id, ANSWER, {"svar": "ja"}, "deltagare")
    assert "svar" not in journey.case(invited).data
    assert journey.complete(invited, "follow_up", {"bjud_in_igen": False}).status == "completed"


def test_two_weeks_that_passed_while_the_server_was_down_are_caught_up_at_their_time(journey, invited) -> None:  # type: ignore[no-untyped-def]
    fired = journey.advance("P90D")  # the server was down for three months

    assert fired == 1
    assert _fired(journey, invited) == [("two_weeks", TWO_WEEKS_LATER.isoformat())]
    follow_up = journey.task(invited, "follow_up")
    assert follow_up.created_at == TWO_WEEKS_LATER  # what it started is timed from when it should have happened
    with pytest.raises(Conflict, match="not waiting"):
        journey.engine.send_message(invited.id, ANSWER, {}, "deltagare")


def test_the_gateway_waits_afresh_each_time_the_case_comes_back_to_it(journey, invited) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P14D")
    journey.complete(invited, "follow_up", {"bjud_in_igen": True})
    case = journey.complete(invited, "invite")  # invited again on 2026-01-26: a new two weeks
    assert case.waiting_messages == (ANSWER,)
    assert [t.due_at for t in case.timers] == [datetime(2026, 2, 9, 7, 0, tzinfo=UTC)]

    journey.advance("P14D")  # the second two weeks pass too
    journey.complete(invited, "follow_up", {"bjud_in_igen": True})
    journey.complete(invited, "invite")
    journey.advance("P2D")
    case = journey.engine.send_message(invited.id, ANSWER, {"svar": "ja"}, "deltagare")  # the third time, an answer

    assert journey.open_task_names(case) == ["plan"] and case.timers == ()
    assert [element for element, _ in _fired(journey, invited)] == ["two_weeks", "two_weeks"]
    journey.advance("P30D")
    assert len(_fired(journey, invited)) == 2
    assert journey.complete(invited, "plan").status == "completed"


def test_many_rounds_cost_no_more_to_keep_than_a_few(journey, invited) -> None:  # type: ignore[no-untyped-def]
    # The gateway and the event it took stay in the stored tree no longer than the round that passed
    # them (engine/spiff/compaction.py): the state stays bounded, and the case gives the same answers.
    sizes = []
    for _ in range(40):
        journey.advance("P14D")
        journey.complete(invited, "follow_up", {"bjud_in_igen": True})
        journey.complete(invited, "invite")
        sizes.append(_stored_size(journey, invited.id))

    assert max(sizes[20:]) <= max(sizes[:20]) * 1.1
    case = journey.case(invited)
    assert case.waiting_messages == (ANSWER,) and len(case.timers) == 1
    assert len(_fired(journey, invited)) == 40
    assert stored.serializer_problem(journey.engine, invited.id) is None  # SpiffWorkflow's own loader reads it
    case = journey.engine.send_message(invited.id, ANSWER, {"svar": "nej"}, "deltagare")
    assert journey.open_task_names(case) == ["plan"] and case.timers == () and case.data["svar"] == "nej"


def _stored_size(journey, case_id: str) -> int:  # type: ignore[no-untyped-def]
    with journey.db.reading() as session:
        return len(state.json_text(session.scalar(select(CaseRow.state).where(CaseRow.id == case_id)) or b""))


def test_a_gateway_may_wait_until_a_date_instead(journey) -> None:  # type: ignore[no-untyped-def]
    by_date = (BPMN_DIR / "reply_deadline.bpmn").read_text().replace(
        "<bpmn:timeDuration>P14D</bpmn:timeDuration>", "<bpmn:timeDate>2026-02-02T09:00:00+01:00</bpmn:timeDate>")
    journey.engine.deploy([SourceFile("reply_deadline.bpmn", by_date.encode())], "designer")
    case = journey.start("reply_deadline", {})
    case = journey.complete(case, "invite")
    due = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
    assert [(t.element, t.due_at) for t in case.timers] == [("two_weeks", due)]

    journey.advance("P30D")

    assert _fired(journey, case) == [("two_weeks", due.isoformat())]
    assert journey.open_task_names(case) == ["follow_up"] and journey.case(case).waiting_messages == ()


PAUSABLE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://samverkan.se/test">
  <bpmn:message id="msg_svar" name="deltagaren_svarade" />
  <bpmn:message id="msg_sjuk" name="sjukskrivning_rapporterad" />
  <bpmn:process id="pausable_wait" name="Svarsfrist med sjukskrivning" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:subProcess id="waiting" name="Väntar på svar">
      <bpmn:startEvent id="w_start" />
      <bpmn:eventBasedGateway id="wait" />
      <bpmn:intermediateCatchEvent id="answer"><bpmn:messageEventDefinition messageRef="msg_svar" />
      </bpmn:intermediateCatchEvent>
      <bpmn:intermediateCatchEvent id="two_weeks" name="Två veckor">{properties}
        <bpmn:timerEventDefinition><bpmn:timeDuration>P14D</bpmn:timeDuration></bpmn:timerEventDefinition>
      </bpmn:intermediateCatchEvent>
      <bpmn:endEvent id="w_answered" /><bpmn:endEvent id="w_late" />
      <bpmn:sequenceFlow id="w1" sourceRef="w_start" targetRef="wait" />
      <bpmn:sequenceFlow id="w2" sourceRef="wait" targetRef="answer" />
      <bpmn:sequenceFlow id="w3" sourceRef="wait" targetRef="two_weeks" />
      <bpmn:sequenceFlow id="w4" sourceRef="answer" targetRef="w_answered" />
      <bpmn:sequenceFlow id="w5" sourceRef="two_weeks" targetRef="w_late" />
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="sjuk" attachedToRef="waiting" cancelActivity="false">
      <bpmn:messageEventDefinition messageRef="msg_sjuk" />
    </bpmn:boundaryEvent>
    <bpmn:userTask id="vilande" name="Vilande" camunda:candidateGroups="teamledare">
      <bpmn:extensionElements>
        <camunda:properties><camunda:property name="pausar_arendet" value="ja" /></camunda:properties>
        <camunda:formData><camunda:formField id="notering" type="string" /></camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="plan" camunda:candidateGroups="arbetscoach" />
    <bpmn:endEvent id="end" /><bpmn:endEvent id="rested" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="waiting" />
    <bpmn:sequenceFlow id="f2" sourceRef="waiting" targetRef="plan" />
    <bpmn:sequenceFlow id="f3" sourceRef="plan" targetRef="end" />
    <bpmn:sequenceFlow id="f4" sourceRef="sjuk" targetRef="vilande" />
    <bpmn:sequenceFlow id="f5" sourceRef="vilande" targetRef="rested" />
  </bpmn:process>
</bpmn:definitions>"""
RUNS_WHILE_PAUSED = ('<bpmn:extensionElements><camunda:properties><camunda:property name="under_paus" '
                     'value="löper" /></camunda:properties></bpmn:extensionElements>')


@pytest.mark.parametrize(("properties", "due"), [
    pytest.param("", datetime(2026, 2, 5, 7, 0, tzinfo=UTC), id="moved-by-the-pause"),
    pytest.param(RUNS_WHILE_PAUSED, datetime(2026, 1, 26, 7, 0, tzinfo=UTC), id="runs-while-paused"),
])
def test_a_paused_case_holds_its_gateway_timer_still_unless_it_runs_while_paused(
        journey, properties: str, due: datetime) -> None:  # type: ignore[no-untyped-def]
    content = PAUSABLE.format(properties=properties).encode()
    journey.engine.deploy([SourceFile("pausable_wait.bpmn", content)], "designer")
    case = journey.start("pausable_wait", {})
    journey.advance("P3D")
    case = journey.engine.send_message(case.id, "sjukskrivning_rapporterad", {}, "teamledare")
    assert case.status == "paused"
    journey.advance("P10D")

    case = journey.complete(case, "vilande")

    assert case.status == "open" and ANSWER in case.waiting_messages
    assert [(t.element, t.due_at) for t in case.timers] == [("two_weeks", due)]
    journey.advance(due - journey.clock.now())
    assert _fired(journey, case) == [("two_weeks", due.isoformat())]
    assert journey.open_task_names(case) == ["plan"] and ANSWER not in journey.case(case).waiting_messages


# --- a receive task, and a gateway inside an embedded sub-process ----------------------------------------


@pytest.fixture
def phase(journey):  # type: ignore[no-untyped-def]
    journey.deploy("reply_in_phase.bpmn")
    return journey.start("reply_in_phase", {})


def test_a_receive_task_waits_for_its_message(journey, phase) -> None:  # type: ignore[no-untyped-def]
    case = journey.case(phase)
    assert case.waiting_messages == ("samtycke_inkom",) and case.timers == () and case.open_tasks == ()
    with pytest.raises(Conflict, match="not waiting for the message 'deltagaren_svarade'"):
        journey.engine.send_message(phase.id, ANSWER, {}, "deltagare")

    case = journey.engine.send_message(phase.id, "samtycke_inkom", {"samtycke": True}, "handläggare")

    assert case.data["samtycke"] is True
    assert case.waiting_messages == (ANSWER,)  # now inside the introduction, at its gateway
    assert [(t.element, t.due_at) for t in case.timers] == [("week", datetime(2026, 1, 19, 7, 0, tzinfo=UTC))]
    assert [e.details["name"] for e in journey.history(phase, events.MessageReceived.event)] == ["samtycke_inkom"]


def test_the_reply_inside_the_phase_comes_first(journey, phase) -> None:  # type: ignore[no-untyped-def]
    journey.engine.send_message(phase.id, "samtycke_inkom", {}, "handläggare")
    journey.advance("P6D")
    case = journey.engine.send_message(phase.id, ANSWER, {"svar": "ja"}, "deltagare")

    assert journey.open_task_names(case) == ["wrap_up"] and case.data["svar"] == "ja"
    assert case.timers == () and case.waiting_messages == ()
    journey.advance("P60D")
    assert _fired(journey, phase) == []


def test_the_weekly_cycle_inside_the_phase_comes_first_and_fires_once(journey, phase) -> None:  # type: ignore[no-untyped-def]
    journey.engine.send_message(phase.id, "samtycke_inkom", {}, "handläggare")
    journey.advance("P60D")  # the cycle's later weeks do not fire: the gateway took its branch

    case = journey.case(phase)
    assert _fired(journey, phase) == [("week", "2026-01-19T07:00:00+00:00")]
    assert journey.open_task_names(case) == ["remind"] and case.waiting_messages == () and case.timers == ()
    case = journey.complete(phase, "remind")
    assert journey.open_task_names(case) == ["wrap_up"]
    assert journey.complete(phase, "wrap_up").status == "completed"
