"""Samverkansteamet by mail: the referrer books the information meeting and gets it in the calendar;
the team leader is reminded of the two-week reply and told once it is late; the referrer learns that
a refusal has been sent — without the reasons, which stay behind the sign-in.
"""

from __future__ import annotations

import pytest

from engine import events
from tests.engine.journey import move_to
from tests.engine.post import PostOffice, person
from tests.journeys.test_samverkansteamet import INFORMATIONSMOTE_BOKAT, complete
from tests.mailbox import calendar_of, text_of
from tests.registrations import registered

PROCESSES = ("samverkansteamet.bpmn", "samverkansteamet_motesplats.dmn")
REBECKA = "rebecka.remittent@samverkan.test"
KARIN = "karin.teamledare@samverkan.test"


@pytest.fixture
def post(journey, mailbox) -> PostOffice:  # type: ignore[no-untyped-def]
    return PostOffice(journey, mailbox, [
        person("rebecka.remittent", "remittent"),
        person("karin.teamledare", "teamledare", teams=("samverkansteamet",)),
        person("anna.karlsson", "arbetscoach", teams=("samverkansteamet",)),
    ])


@pytest.fixture
def case(journey, post):  # type: ignore[no-untyped-def]
    """Rebecka at Försäkringskassan books the information meeting for 14 January; Anna says yes."""
    case = journey.engine.start_case("samverkansteamet", actor="rebecka.remittent", data=registered("samverkansteamet"),
                                     participant={"name": "Anna Andersson", "personnummer": "20020304-1234"})
    complete(journey, case, "registrera_informationsmote", INFORMATIONSMOTE_BOKAT)
    return case


def _mails(mailbox, address: str, prefix: str) -> list:  # type: ignore[no-untyped-def]
    return [m for m in mailbox.to(address) if str(m["Subject"]).startswith(prefix)]


def test_the_information_meeting_is_in_the_referrers_and_the_team_leaders_calendars(journey, post, case) -> None:  # type: ignore[no-untyped-def]
    post.deliver()
    for address in (REBECKA, KARIN):
        [mail] = _mails(post.mailbox, address, "Kallelse")
        assert mail["Subject"] == "Kallelse: Hålla informationsmöte 2026-01-14"
        invitation = calendar_of(mail)
        assert invitation is not None and "DTSTART;VALUE=DATE:20260114" in invitation
    assert post.mailbox.to("anna.karlsson@samverkan.test") == []  # the team is offered the task, not invited


def test_a_case_closed_before_the_information_meeting_calls_it_off_in_the_same_calendars(  # type: ignore[no-untyped-def]
        journey, post, case) -> None:
    post.deliver()
    journey.engine.cancel_case(case.id, "Deltagaren har fått arbete", actor="karin.teamledare")
    post.deliver()
    for address in (REBECKA, KARIN):
        [invited] = _mails(post.mailbox, address, "Kallelse")
        [called_off] = _mails(post.mailbox, address, "Inställt")
        assert called_off["Subject"] == "Inställt: Hålla informationsmöte 2026-01-14"
        invitation, cancellation = calendar_of(invited), calendar_of(called_off)
        assert invitation is not None and cancellation is not None
        uid = next(line for line in invitation.split("\r\n") if line.startswith("UID:"))
        assert uid in cancellation.split("\r\n") and "METHOD:CANCEL" in cancellation


def test_the_two_week_reply_is_reminded_and_escalated_by_mail_once_each(journey, post, case) -> None:  # type: ignore[no-untyped-def]
    complete(journey, case, "informationsmote",
             {"teammedlem_1": "anna.karlsson", "teammedlem_2": "cecilia.berg", "deltagarens_svar": "ja"})
    move_to(journey, "2026-01-16")
    complete(journey, case, "registrera_remiss", {"remiss_inkom": "2026-01-16"})  # the reply is due 30 January

    move_to(journey, "2026-01-26", "23:00")
    post.deliver()
    assert _mails(post.mailbox, KARIN, "Påminnelse") == []
    move_to(journey, "2026-01-27", "07:00")
    post.deliver()
    assert [m["Subject"] for m in _mails(post.mailbox, KARIN, "Påminnelse")] == [
        "Påminnelse: Bedöma remissen på teammöte ska vara klar 2026-01-30 00:00"]

    move_to(journey, "2026-01-30", "08:00")
    post.deliver()
    move_to(journey, "2026-02-10", "08:00")
    post.deliver()
    assert [m["Subject"] for m in _mails(post.mailbox, KARIN, "Försenad")] == [
        "Försenad: Bedöma remissen på teammöte skulle ha varit klar 2026-01-30 00:00"]
    assert len(_mails(post.mailbox, KARIN, "Påminnelse")) == 1
    assert _mails(post.mailbox, REBECKA, "Försenad") == []


def test_the_referrer_is_told_a_refusal_was_sent_but_not_why(journey, post, case) -> None:  # type: ignore[no-untyped-def]
    complete(journey, case, "informationsmote",
             {"teammedlem_1": "anna.karlsson", "teammedlem_2": "cecilia.berg", "deltagarens_svar": "ja"})
    move_to(journey, "2026-01-16")
    complete(journey, case, "registrera_remiss", {"remiss_inkom": "2026-01-16"})
    move_to(journey, "2026-01-21")
    complete(journey, case, "bedom_remiss", {"teammote_datum": "2026-01-21", "beslut": "ej_antagen"})
    complete(journey, case, "svara_remittent_avslag", {
        "avslagsgrund": "pagaende_missbruk", "motivering": "Deltagaren har ett pågående missbruk.",
        "svar_skickat_datum": "2026-01-22"})

    assert journey.case(case).status == "completed"
    [told] = journey.history(case, events.NoticeSent.event)
    assert (told.element, told.details["to"]) == ("svar_skickat", ["user:rebecka.remittent"])
    post.deliver()
    [mail] = _mails(post.mailbox, REBECKA, "Svar skickat")
    assert mail["Subject"] == "Svar skickat till remittenten – Samverkansteamet"
    assert text_of(mail).startswith(
        "Samverkansteamet har besvarat remissen för Anna Andersson: Ej antagen. Svaret skickades 2026-01-22; "
        "logga in för att läsa motiveringen.")
    assert "missbruk" not in mail.as_string() and "20020304" not in mail.as_string()
