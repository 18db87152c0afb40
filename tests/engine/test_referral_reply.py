"""The two-week reply to a referrer, walked through a tiny model (tests/bpmn/referral_reply.bpmn):
register the referral → assess it within 14 days of its arrival, or the team leader is told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine import events
from engine.errors import Conflict, InvalidFormData, NotFound


@pytest.fixture
def referral(journey):  # type: ignore[no-untyped-def]
    journey.deploy("referral_reply.bpmn")
    case = journey.start("referral_reply", {"remittent": "AF Lindesberg"})
    journey.complete(case, "register_referral", {"remiss_inkom": "2026-01-12", "kommun": "Nora"})
    return case


def test_accepted_referral_runs_to_its_end(journey, referral) -> None:  # type: ignore[no-untyped-def]
    assert journey.open_task_names(referral) == ["assess"]

    case = journey.complete(referral, "assess", {"beslut": "ja", "antal": "3"})

    assert case.status == "completed"
    assert case.data["beslut"] == "ja" and case.data["antal"] == 3 and case.data["kommun"] == "Nora"
    assert case.open_tasks == () and case.timers == () and case.next_due_at is None
    assert [e.event for e in journey.history(case)][-2:] == [events.TaskCompleted.event, events.CaseCompleted.event]


def test_the_reply_is_due_two_weeks_after_the_referral_arrived(journey, referral) -> None:  # type: ignore[no-untyped-def]
    assess = journey.task(referral, "assess")
    # 2026-01-12 + 14 days, midnight in Stockholm
    assert assess.due_at == datetime(2026, 1, 25, 23, 0, tzinfo=UTC)
    assert assess.candidate_groups == ("teamledare",)
    assert journey.case(referral).next_due_at == datetime(2026, 1, 25, 23, 0, tzinfo=UTC)


def test_a_missed_reply_deadline_escalates_once_and_shows_overdue(journey, referral) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P13D")
    assert journey.open_task_names(referral) == ["assess"]
    assert journey.engine.tasks(overdue=True) == []

    journey.advance("P2D")
    assert journey.open_task_names(referral) == ["assess", "escalate"]
    assert [t.name for t in journey.engine.tasks(overdue=True)] == ["assess"]

    journey.advance("P60D")
    assert journey.open_task_names(referral) == ["assess", "escalate"]
    fired = journey.history(referral, events.TimerFired.event)
    assert [(e.element, e.at) for e in fired] == [("reply_overdue", datetime(2026, 1, 25, 23, 0, tzinfo=UTC))]


def test_bad_form_data_is_refused_field_by_field_and_changes_nothing(journey, referral) -> None:  # type: ignore[no-untyped-def]
    before = journey.case(referral)
    assess = journey.task(referral, "assess")

    with pytest.raises(InvalidFormData) as refused:
        journey.engine.complete_task(assess.id, {"beslut": "kanske", "antal": "sju", "okänt": 1}, "handläggare")

    assert set(refused.value.fields) == {"beslut", "antal", "okänt"}
    after = journey.case(referral)
    assert after.open_tasks == before.open_tasks and after.data == before.data
    assert after.updated_at == before.updated_at
    assert journey.history(referral, events.TaskCompleted.event)[-1].element == "register_referral"


def test_required_fields_and_ranges(journey, referral) -> None:  # type: ignore[no-untyped-def]
    assess = journey.task(referral, "assess")
    with pytest.raises(InvalidFormData) as refused:
        journey.engine.complete_task(assess.id, {"antal": 9}, "handläggare")
    assert "beslut" in refused.value.fields and "antal" in refused.value.fields


def test_consent_revoked_ends_the_case(journey, referral) -> None:  # type: ignore[no-untyped-def]
    assert journey.case(referral).waiting_messages == ("samtycke_aterkallat",)

    case = journey.engine.send_message(referral.id, "samtycke_aterkallat", {"aterkallat_datum": "2026-01-20"},
                                       "handläggare")

    assert case.status == "completed"
    assert case.open_tasks == () and case.timers == ()
    assert case.data["aterkallat_datum"] == "2026-01-20"
    assert journey.history(case, events.MessageReceived.event)[0].details["name"] == "samtycke_aterkallat"


def test_a_message_the_case_does_not_wait_for_is_refused(journey, referral) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict, match="not waiting for the message 'sjukskriven'"):
        journey.engine.send_message(referral.id, "sjukskriven", {}, "handläggare")
    with pytest.raises(NotFound):
        journey.engine.send_message("no-such-case", "samtycke_aterkallat", {}, "handläggare")


def test_a_completed_task_cannot_be_completed_again(journey, referral) -> None:  # type: ignore[no-untyped-def]
    assess = journey.task(referral, "assess")
    journey.engine.complete_task(assess.id, {"beslut": "nej"}, "handläggare")
    with pytest.raises(Conflict, match="no longer open"):
        journey.engine.complete_task(assess.id, {"beslut": "ja"}, "handläggare")
