"""Reminders and escalations leave by mail, each person once, through outages and refusals —
and what cannot be sent is shown as failed, with its error, never dropped.

The referral must be answered within two weeks: a reminder at day 11 goes to the team leaders, an
escalation at day 14 to the team leaders and the steering group (tests/bpmn/referral_reply.bpmn).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import Conflict
from engine.persistence import outbox_store
from tests.engine.post import BASE_URL, PostOffice, person
from tests.mailbox import text_of

# Delivery keeps nothing in memory between runs: one engine throughout is enough (not restored).
pytestmark = pytest.mark.parametrize("journey", ["straight"], indirect=True)

LENA = "lena.teamledare@samverkan.test"
STINA = "stina.styrgrupp@samverkan.test"


class Killed(BaseException):
    """A worker process dying on the spot (nothing after it runs, no transaction commits)."""


def post_office(journey, mailbox, **settings) -> PostOffice:  # type: ignore[no-untyped-def]
    return PostOffice(journey, mailbox, [
        person("lena.teamledare", "teamledare", teams=("referral_reply",)),
        person("otto.teamledare", "teamledare", teams=("referral_reply",), email=False),
        person("stina.styrgrupp", "styrgrupp", teams=("referral_reply",)),
        person("per.annan", "teamledare", teams=("gemensamma_taget",)),
    ], **settings)


def test_the_reminder_and_the_escalation_arrive_by_mail_once_each(journey, mailbox, referral) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, mailbox)
    journey.advance("P12D")
    run = post.deliver()
    assert (run.expanded, run.sent) == (1, 1)
    assert mailbox.subjects(LENA) == ["Påminnelse: Bedömning ska vara klar 2026-01-26 00:00"]
    [mail] = mailbox.to(LENA)
    [delivery] = post.mails("sent")
    assert mail["Message-ID"] == f"<{delivery.id}@samverkan.test>"
    assert mail["To"] == "Lena Teamledare <lena.teamledare@samverkan.test>"
    assert f"{BASE_URL}/cases/{referral.id}" in text_of(mail)

    assert post.deliver().busy is False
    journey.advance("P3D")
    post.deliver()
    assert mailbox.subjects(LENA)[1:] == ["Försenad: Bedömning skulle ha varit klar 2026-01-26 00:00"]
    assert mailbox.subjects(STINA) == ["Försenad: Bedömning skulle ha varit klar 2026-01-26 00:00"]
    assert mailbox.to("per.annan@samverkan.test") == []  # a team leader of another intervention
    journey.advance("P30D")
    post.deliver()
    assert len(mailbox.messages) == 3 and set(mailbox.message_ids().values()) == {1}


def test_someone_named_and_in_a_role_gets_one_mail(journey, mailbox, referral) -> None:  # type: ignore[no-untyped-def]
    journey.engine.claim_task(journey.task(referral, "assess").id, "lena.teamledare")
    journey.advance("P15D")
    escalated = {(n.recipient_kind, n.recipient) for n in journey.engine.notifications() if n.kind == "escalation"}
    assert ("user", "lena.teamledare") in escalated and ("group", "teamledare") in escalated
    post_office(journey, mailbox).deliver()
    assert mailbox.subjects(LENA).count("Försenad: Bedömning skulle ha varit klar 2026-01-26 00:00") == 1


def test_a_person_without_an_address_is_told_in_the_app_only(journey, mailbox, referral) -> None:  # type: ignore[no-untyped-def]
    post = PostOffice(journey, mailbox, [person("otto.teamledare", "teamledare", teams=("referral_reply",),
                                                email=False)])
    journey.advance("P12D")
    post.deliver()
    assert [n.recipient for n in journey.engine.notifications(user="otto.teamledare", groups=["teamledare"],
                                                               process_keys=["referral_reply"])] == ["teamledare"]
    assert mailbox.messages == [] and post.mails() == []
    overview = journey.engine.operations.overview()
    assert overview.delivery_counts == {"skipped": 1}


def test_mail_waits_out_a_mail_server_outage(journey, mailbox, referral) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, mailbox)
    mailbox.down()
    journey.advance("P12D")
    assert post.deliver().retried == 1
    [waiting] = post.mails("pending")
    assert waiting.attempts == 1 and "cannot reach the SMTP server" in (waiting.last_error or "")
    assert waiting.next_attempt_at == journey.clock.now() + timedelta(minutes=1)

    assert post.deliver().busy is False  # not due again yet
    journey.advance("PT1M")
    assert post.deliver().retried == 1
    assert post.mails("pending")[0].next_attempt_at == journey.clock.now() + timedelta(minutes=2)

    mailbox.up()
    journey.advance("PT2M")
    assert post.deliver().sent == 1
    assert mailbox.subjects(LENA) == ["Påminnelse: Bedömning ska vara klar 2026-01-26 00:00"]
    assert post.mails("sent")[0].attempts == 3


def test_a_mail_that_keeps_failing_is_shown_as_failed_and_can_be_sent_again(journey, mailbox, referral) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, mailbox, max_attempts=3)
    mailbox.refuse(LENA, "451 4.2.0 Mailbox busy, try later")
    journey.advance("P12D")
    for wait in ("PT0S", "PT1M", "PT2M"):
        journey.advance(wait)
        post.deliver()

    [failed] = journey.engine.operations.overview().failed_deliveries
    assert (failed.address, failed.attempts) == (LENA, 3)
    assert failed.last_error == "RCPT TO refused: 451 4.2.0 Mailbox busy, try later"
    journey.advance("P1D")
    assert post.deliver().busy is False and mailbox.messages == []

    mailbox.refusals.clear()
    again = journey.engine.operations.retry_delivery(failed.id, "admin")
    assert (again.status, again.attempts, again.handled_by) == ("pending", 0, "admin")
    assert post.deliver().sent == 1 and len(mailbox.to(LENA)) == 1


def test_an_address_the_server_refuses_for_good_fails_at_once(journey, mailbox, referral) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, mailbox)
    mailbox.refuse(LENA)
    journey.advance("P12D")
    assert post.deliver().failed == 1
    [failed] = post.mails("failed")
    assert failed.attempts == 1 and failed.last_error == "RCPT TO refused: 550 5.1.1 No such user here"


def test_an_operator_discards_a_mail_and_it_is_never_sent(journey, mailbox, referral) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, mailbox)
    mailbox.down()
    journey.advance("P12D")
    post.deliver()
    [waiting] = post.mails("pending")
    assert journey.engine.operations.discard_delivery(waiting.id, "admin").status == "discarded"
    mailbox.up()
    journey.advance("P1D")
    post.deliver()
    assert mailbox.messages == []
    with pytest.raises(Conflict):
        journey.engine.operations.discard_delivery(waiting.id, "admin")
    assert journey.engine.operations.delivery(waiting.id).handled_by == "admin"


def test_a_dead_workers_lease_is_taken_over_once_it_runs_out(journey, mailbox, referral) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, mailbox)
    journey.advance("P12D")
    post.worker().expand()
    now = journey.clock.now()
    with journey.db.transaction() as session:  # a worker takes the mail and dies before sending it
        assert len(outbox_store.claim(session, now, "dead-worker", now + post.settings.lease, 10)) == 1

    assert post.deliver().sent == 0
    journey.advance(post.settings.lease - timedelta(seconds=1))
    assert post.deliver().sent == 0
    journey.advance("PT1S")
    assert post.deliver().sent == 1
    [sent] = post.mails("sent")
    assert (sent.attempts, sent.uncertain_sends) == (2, 0)  # the server never saw the first attempt
    assert len(mailbox.messages) == 1


def test_a_worker_killed_after_the_server_took_the_mail_sends_it_again_with_the_same_message_id(
        journey, mailbox, referral, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    post = post_office(journey, mailbox)
    journey.advance("P12D")

    def die(*_args: object, **_kwargs: object) -> bool:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(outbox_store, "mark_sent", die)
        with pytest.raises(Killed):
            post.deliver("worker-1")
    assert len(mailbox.to(LENA)) == 1
    [pending] = post.mails("pending")
    assert pending.lease_owner == "worker-1"

    journey.advance(post.settings.lease)
    assert post.deliver("worker-2").sent == 1
    first, second = mailbox.to(LENA)
    assert first["Message-ID"] == second["Message-ID"] == f"<{pending.id}@samverkan.test>"
    [sent] = post.mails("sent")
    assert sent.uncertain_sends == 1  # the documented window: the operations page shows it
