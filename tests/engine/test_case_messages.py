"""Cases that talk to each other: a selection meeting answers the participants who wait for it,
a signal stops every case that waits for it, a message opens a case of a process that starts on
it, and a model counts the open cases of a handler — each delivery in the receiving case's own
transaction, exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.api import WorkflowEngine
from engine.cases.runner import SessionQueries
from engine.errors import Conflict
from engine.persistence import case_message_store
from engine.persistence.models import CaseMessageRow
from engine.views import Case
from tests.engine.journey import Journey


def participant(journey: Journey, handler: str = "anna") -> Case:
    """A participant who waits for the selection meeting's answer, a day after the one before."""
    journey.advance("P1D")
    case = journey.start("deltagare_test", {"stoppa_alla": False})
    return journey.complete(case, "forbereda", {"handlaggare": handler})


def test_a_selection_meeting_answers_each_participant_who_waits_for_it(journey: Journey) -> None:
    journey.deploy("case_messages.bpmn")
    first, second, third = participant(journey), participant(journey), participant(journey)
    assert journey.case(first).waiting_messages == ("urvalsbesked",)

    meeting = journey.start("urvalsmote_test", {})
    journey.complete(meeting, "motet", {"antal": 2})

    # The two who waited longest are chosen, the third goes back to the authority.
    assert journey.open_task_names(first) == ["borja"]
    assert journey.open_task_names(second) == ["borja"]
    assert journey.case(third).status == "completed" and journey.case(third).data["utvald"] is False
    received = journey.history(first, "MessageReceived")[-1]
    assert received.details["name"] == "urvalsbesked"
    assert received.details["data"] == {"utvald": True, "fran_arende": meeting.id}
    sent = journey.history(meeting, "MessageSent")
    assert [(e.element, e.details["cases"]) for e in sent] == [
        ("till_valda", [first.id, second.id]), ("till_ovriga", [third.id]), ("m_klart", None)]


def test_a_message_to_a_process_that_starts_on_it_opens_a_case_there(journey: Journey) -> None:
    journey.deploy("case_messages.bpmn")
    chosen = participant(journey)
    meeting = journey.start("urvalsmote_test", {})
    journey.complete(meeting, "motet", {"antal": 1})

    [receipt] = journey.engine.cases("kvitto_test")
    assert receipt.started_by == "system"
    with journey.db.reading() as session:
        opened = session.scalars(select(CaseMessageRow).where(CaseMessageRow.name == "urval_klart")).one()
        assert (opened.outcome, opened.delivered_to) == ("delivered", receipt.id)
    assert journey.case(receipt).data["valda"] == [chosen.id]
    assert journey.open_task_names(receipt) == ["lasa"]
    with pytest.raises(Conflict, match="opens its cases itself"):
        journey.start("kvitto_test", {})


def test_a_signal_stops_every_case_that_waits_for_it_and_no_other(journey: Journey) -> None:
    journey.deploy("case_messages.bpmn")
    waiting = [journey.start("deltagare_test", {"stoppa_alla": False}) for _ in range(2)]
    past_it = participant(journey)
    assert journey.case(waiting[0]).waiting_signals == ("intagningsstopp",)

    journey.start("deltagare_test", {"stoppa_alla": True})

    for case in waiting:
        assert journey.case(case).status == "completed"
        assert journey.history(case, "SignalReceived")[0].details["name"] == "intagningsstopp"
        assert journey.history(case, "TaskWithdrawn")
    assert journey.case(past_it).status == "open"
    assert journey.case(past_it).waiting_messages == ("urvalsbesked",)


def test_a_model_counts_the_open_cases_of_a_handler(journey: Journey) -> None:
    journey.deploy("case_messages.bpmn")
    counted = [journey.case(participant(journey, "anna")).data["belastning"] for _ in range(3)]
    other = journey.case(participant(journey, "bo")).data["belastning"]
    assert counted == [0, 1, 2] and other == 0


def test_a_message_to_a_case_that_no_longer_waits_is_settled_as_such(journey: Journey) -> None:
    journey.deploy("case_messages.bpmn")
    gone, meeting = participant(journey), journey.start("urvalsmote_test", {})
    journey.engine.cancel_case(gone.id, "flyttade", "coach")
    with journey.db.transaction() as session:  # sent to it just before it closed
        case_message_store.add(session, [{
            "sender_case_id": meeting.id, "element": "till_valda", "kind": "message", "name": "urvalsbesked",
            "to_process": "deltagare_test", "to_case": gone.id, "data": {"utvald": True},
            "created_at": journey.clock.now()}])

    assert journey.engine.deliver_case_messages() == 1
    with journey.db.reading() as session:
        [message] = session.scalars(select(CaseMessageRow)).all()
        assert (message.outcome, message.delivered_to) == ("not_waiting", gone.id)
    assert not journey.history(gone, "MessageReceived")


def test_a_message_left_undelivered_by_a_crash_is_delivered_on_the_next_tick_once(journey: Journey) -> None:
    journey.deploy("case_messages.bpmn")
    waiting = participant(journey)
    engine: WorkflowEngine = journey.engine
    engine.runner.after_sending = None  # the process dies right after the meeting's step is written
    meeting = journey.start("urvalsmote_test", {})
    engine.complete_task(journey.task(meeting, "motet").id, {"antal": 1}, "samordnare")
    assert journey.case(waiting).waiting_messages == ("urvalsbesked",)

    restarted = WorkflowEngine(journey.db, clock=journey.clock, migrate=False)
    restarted.run_due()
    restarted.run_due()

    assert journey.open_task_names(waiting) == ["borja"]
    assert len(journey.history(waiting, "MessageReceived")) == 1
    assert len(restarted.cases("kvitto_test")) == 1


def test_the_waiting_cases_a_model_reads_can_be_narrowed_by_a_field(journey: Journey) -> None:
    journey.deploy("case_messages.bpmn")
    annas = [participant(journey, "anna"), participant(journey, "anna")]
    bos = participant(journey, "bo")
    with journey.db.reading() as session:
        queries = SessionQueries(session, asking="")
        assert [c["arende"] for c in queries.waiting("deltagare_test", "urvalsbesked", "handlaggare", "anna")] == \
            [c.id for c in annas]
        assert [c["arende"] for c in queries.waiting("deltagare_test", "urvalsbesked", None, None)] == \
            [*(c.id for c in annas), bos.id]
        assert queries.count_open("deltagare_test", "handlaggare", "bo") == 1
        assert SessionQueries(session, asking=bos.id).count_open("deltagare_test", "handlaggare", "bo") == 0
        assert SessionQueries(session, asking=annas[0].id).waiting("deltagare_test", "urvalsbesked", None, None) == \
            queries.waiting("deltagare_test", "urvalsbesked", None, None)[1:]


def test_a_process_opened_by_hand_or_by_a_message_takes_one_start_only(journey: Journey) -> None:
    journey.deploy("message_or_by_hand.bpmn")
    by_hand = journey.start("remiss_test", {})
    assert journey.open_task_names(by_hand) == ["registrera"]
    assert journey.case(by_hand).waiting_messages == ()  # a later message opens a case of its own

    sent = journey.engine.start_on_message("remiss_test", "remiss_inkommen", {"remittent": "AF"})
    assert journey.open_task_names(sent) == ["granska"] and journey.case(sent).data["remittent"] == "AF"
    assert journey.engine.message_starts("remiss_test") == ("remiss_inkommen",)
    assert journey.engine.registration("remiss_test").by_hand  # type: ignore[union-attr]
