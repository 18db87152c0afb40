"""The engine keeps the plan's promise to the referrer: a reminder before the reply is due, an
escalation once it is late — each exactly once, to the people the model names."""

from __future__ import annotations

from datetime import UTC, datetime

from engine import events


def _told(journey, kind: str) -> list[tuple[str, str, datetime]]:  # type: ignore[no-untyped-def]
    return [(n.recipient_kind, n.recipient, n.created_at) for n in journey.engine.notifications() if n.kind == kind]


def test_a_reminder_before_the_deadline_and_an_escalation_after_it_each_once(journey, referral) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P10D")
    assert journey.engine.notifications() == []

    journey.advance("P2D")  # the follow-up date, 2026-01-23 (midnight in Stockholm), has passed
    assert _told(journey, "reminder") == [("group", "teamledare", datetime(2026, 1, 22, 23, 0, tzinfo=UTC))]
    reminder = journey.engine.notifications()[0]
    assert reminder.subject == "Påminnelse: Bedömning ska vara klar 2026-01-26 00:00"
    assert reminder.case_id == referral.id and reminder.task_id == journey.task(referral, "assess").id

    journey.advance("P60D")
    assert sorted(_told(journey, "escalation")) == [
        ("group", "styrgrupp", datetime(2026, 1, 25, 23, 0, tzinfo=UTC)),
        ("group", "teamledare", datetime(2026, 1, 25, 23, 0, tzinfo=UTC)),
    ]
    assert len(_told(journey, "reminder")) == 1
    told = (events.TaskReminded.event, events.TaskEscalated.event)
    assert [e.event for e in journey.history(referral) if e.event in told] == list(told)


def test_a_claimed_task_reminds_the_one_who_holds_it(journey, referral) -> None:  # type: ignore[no-untyped-def]
    journey.engine.claim_task(journey.task(referral, "assess").id, "lena")
    journey.advance("P12D")
    assert [(k, r) for k, r, _ in _told(journey, "reminder")] == [("user", "lena")]
    journey.advance("P3D")
    assert sorted((k, r) for k, r, _ in _told(journey, "escalation")) == [
        ("group", "styrgrupp"), ("group", "teamledare"), ("user", "lena")]


def test_a_task_done_in_time_is_never_escalated(journey, referral) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P12D")
    journey.complete(referral, "assess", {"beslut": "ja"})
    journey.advance("P30D")
    assert _told(journey, "escalation") == [] and len(_told(journey, "reminder")) == 1


def test_a_paused_case_is_not_chased_until_it_is_resumed(journey, referral) -> None:  # type: ignore[no-untyped-def]
    journey.engine.pause_case(referral.id, "sjukskriven", "lena")
    journey.advance("P20D")
    assert journey.engine.notifications() == []

    # Its clock stood still for 20 days: the reply is due 20 days later, and nothing is owed at once.
    journey.engine.resume_case(referral.id, "lena")
    journey.engine.run_due()
    assert journey.engine.notifications() == []
    assert journey.task(referral, "assess").due_at == datetime(2026, 2, 14, 23, 0, tzinfo=UTC)
    assert journey.history(referral, events.CaseResumed.event)[0].details == {"paused_days": 20}

    journey.advance("P15D")
    assert _told(journey, "reminder") == [("group", "teamledare", datetime(2026, 2, 11, 23, 0, tzinfo=UTC))]
    assert {when for _, _, when in _told(journey, "escalation")} == {datetime(2026, 2, 14, 23, 0, tzinfo=UTC)}


def test_a_case_paused_and_resumed_the_same_day_keeps_its_deadlines(journey, referral) -> None:  # type: ignore[no-untyped-def]
    due = journey.task(referral, "assess").due_at
    journey.engine.pause_case(referral.id, "fel ärende", "lena")
    journey.advance("PT2H")
    journey.engine.resume_case(referral.id, "lena")
    assert journey.task(referral, "assess").due_at == due
    assert journey.history(referral, events.CaseResumed.event)[0].details == {"paused_days": 0}


def test_notifications_are_addressed_to_a_role_within_its_intervention(journey, referral) -> None:  # type: ignore[no-untyped-def]
    journey.advance("P15D")
    mine = journey.engine.notifications(user="lena", groups=["teamledare"], process_keys=["referral_reply"])
    assert {n.kind for n in mine} == {"reminder", "escalation"}
    assert journey.engine.notifications(user="otto", groups=["teamledare"], process_keys=["gemensamma_taget"]) == []
    assert journey.engine.notifications(user="carl", groups=["arbetscoach"], process_keys=["referral_reply"]) == []
