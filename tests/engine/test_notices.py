"""A model tells people things: a completed task tells the referrer, an event after a timer tells
the contact persons and the steering group, and a meeting task sends calendar invitations — each
once, in words the designer wrote, filled in from a whitelist of what may leave the system."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine import events
from tests.engine.post import BASE_URL, PostOffice, person
from tests.mailbox import calendar_of, text_of

REGISTERED = {"remiss_inkom": "2026-01-12", "beslut": "antagen", "akut": False, "kontaktperson": "anna.k",
              "andra_kontaktperson": "bo.l", "mote_datum": "2026-01-20", "anteckning": "Mår dåligt, sjukskriven"}


@pytest.fixture
def post(journey, mailbox) -> PostOffice:  # type: ignore[no-untyped-def]
    journey.deploy("notices.bpmn")
    return PostOffice(journey, mailbox, [
        person("rebecka.remittent", "remittent"),
        person("anna.k", "arbetscoach", teams=("notices",)),
        person("bo.l", "arbetscoach", teams=("notices",)),
        person("stina.s", "styrgrupp", teams=("notices",)),
    ])


@pytest.fixture
def case(journey, post):  # type: ignore[no-untyped-def]
    return journey.engine.start_case("notices", participant={"name": "Anna Andersson", "personnummer": "19900101-1234"},
                                     actor="rebecka.remittent")


def _notices(journey, kind: str = "notice") -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return sorted((n.recipient_kind, n.recipient) for n in journey.engine.notifications() if n.kind == kind)


def test_a_completed_task_tells_the_referrer_in_the_words_of_the_model(journey, post, case) -> None:  # type: ignore[no-untyped-def]
    journey.complete(case, "register", REGISTERED)

    [told] = journey.engine.notifications()
    assert (told.kind, told.recipient_kind, told.recipient) == ("notice", "user", "rebecka.remittent")
    assert told.subject == "Registrera remiss – Meddelanden"
    assert told.body == "Remissen för Anna Andersson kom 2026-01-12. Beslut: Antagen. Akut: nej. {inte ett fält}"
    [noted] = journey.history(case, events.NoticeSent.event)
    assert noted.element == "register" and noted.details["to"] == ["user:rebecka.remittent"]

    assert post.deliver().sent == 1
    [mail] = post.mailbox.to("rebecka.remittent@samverkan.test")
    assert mail["Subject"] == "Registrera remiss – Meddelanden"
    assert text_of(mail).startswith(told.body)
    assert f"{BASE_URL}/cases/{case.id}" in text_of(mail)
    assert "sjukskriven" not in mail.as_string() and "19900101" not in mail.as_string()


def test_an_event_after_a_timer_tells_the_contact_persons_and_a_role_once(journey, post, case) -> None:  # type: ignore[no-untyped-def]
    journey.complete(case, "register", REGISTERED)
    journey.advance("PT23H")
    assert _notices(journey) == [("user", "rebecka.remittent")]

    journey.advance("PT1H")
    assert _notices(journey) == [("group", "styrgrupp"), ("user", "anna.k"), ("user", "bo.l"),
                                 ("user", "rebecka.remittent")]
    told = next(n for n in journey.engine.notifications() if n.recipient == "anna.k" and n.kind == "notice")
    assert told.body == f"Kontaktpersoner i Meddelanden för ärende {case.id[:8]} (2026-01-13)."
    assert told.created_at == datetime(2026, 1, 13, 7, 0, tzinfo=UTC)  # when the timer was due

    journey.advance("P30D")
    assert len(_notices(journey)) == 4
    post.deliver()
    post.deliver()
    assert post.mailbox.subjects("stina.s@samverkan.test") == ["Kontaktpersoner utsedda – Meddelanden"]
    assert post.mailbox.subjects("anna.k@samverkan.test").count("Kontaktpersoner utsedda – Meddelanden") == 1


def test_a_meeting_task_sends_calendar_invitations_for_the_booked_day(journey, post, case) -> None:  # type: ignore[no-untyped-def]
    journey.complete(case, "register", REGISTERED)
    journey.advance("P1D")
    meeting = journey.task(case, "meeting")

    assert _notices(journey, "invitation") == [("user", "anna.k"), ("user", "rebecka.remittent")]
    [sent] = journey.history(case, events.InvitationSent.event)
    assert sent.details["start"] == "2026-01-20"

    post.deliver()
    [mail] = [m for m in post.mailbox.to("anna.k@samverkan.test") if m["Subject"].startswith("Kallelse")]
    assert mail["Subject"] == "Kallelse: Hålla informationsmöte 2026-01-20"
    invitation = calendar_of(mail)
    assert invitation is not None
    assert "METHOD:REQUEST" in invitation and "DTSTART;VALUE=DATE:20260120" in invitation
    assert f"UID:{meeting.id}@samverkan" in invitation
    assert "ATTENDEE;CN=\"Anna K\"" in invitation and "mailto:anna.k@samverkan.test" in invitation
    assert all(len(line.encode()) <= 75 for line in invitation.split("\r\n"))


def test_a_meeting_without_a_date_is_noted_not_invited(journey, post, case) -> None:  # type: ignore[no-untyped-def]
    journey.complete(case, "register", {**REGISTERED, "mote_datum": None})
    journey.advance("P1D")
    assert _notices(journey, "invitation") == []
    [skipped] = journey.history(case, events.InvitationSkipped.event)
    assert skipped.details["reason"] == "no date in 'mote_datum'"


def test_a_completed_meeting_tells_the_one_who_held_it_and_the_tasks_groups(journey, post, case) -> None:  # type: ignore[no-untyped-def]
    journey.complete(case, "register", REGISTERED)
    journey.advance("P1D")
    journey.complete(case, "meeting", {"deltog": True}, actor="anna.k")
    held = sorted((n.recipient_kind, n.recipient, n.body) for n in journey.engine.notifications()
                  if n.kind == "notice" and n.subject.startswith("Hålla informationsmöte"))
    assert held == [("group", "teamledare", "Hålla informationsmöte är hållet. Deltagaren kom: ja."),
                    ("user", "anna.k", "Hålla informationsmöte är hållet. Deltagaren kom: ja.")]
    assert journey.case(case).status == "completed"
    assert [e.event for e in journey.history(case)][-1] == events.CaseCompleted.event
    assert _notices(journey, "cancellation") == []  # held, not called off


def test_a_meeting_that_will_not_happen_is_called_off_in_every_calendar_it_was_sent_to(  # type: ignore[no-untyped-def]
        journey, post, case) -> None:
    journey.complete(case, "register", REGISTERED)
    journey.advance("P1D")
    meeting = journey.task(case, "meeting")
    post.deliver()

    journey.engine.cancel_case(case.id, "Deltagaren har flyttat", actor="anna.k")
    assert _notices(journey, "cancellation") == [("user", "anna.k"), ("user", "rebecka.remittent")]
    [called_off] = journey.history(case, events.InvitationCancelled.event)
    assert called_off.element == "meeting" and called_off.details["task_id"] == meeting.id

    post.deliver()
    [mail] = [m for m in post.mailbox.to("anna.k@samverkan.test") if m["Subject"].startswith("Inställt")]
    assert mail["Subject"] == "Inställt: Hålla informationsmöte 2026-01-20"
    assert "blir inte av" in text_of(mail)
    cancelled = calendar_of(mail)
    assert cancelled is not None
    assert "METHOD:CANCEL" in cancelled and "STATUS:CANCELLED" in cancelled and "SEQUENCE:1" in cancelled
    assert f"UID:{meeting.id}@samverkan" in cancelled  # the same event as the invitation: removed, not added
    [part] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "CANCEL"
    assert [m["Subject"] for m in post.mailbox.to("rebecka.remittent@samverkan.test")][-1].startswith("Inställt")
