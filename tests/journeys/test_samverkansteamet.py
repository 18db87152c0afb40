"""Samverkansteamet (processes/samverkansteamet.bpmn), walked through as the team works it.

Information meeting (place from the home municipality) → referral → team-meeting decision within two
weeks → contact persons, AF and SUS registration → kartläggning (3–6 conversations, economic
counselling) → action plan and interventions, the referrer contacted every month → exit with an
outcome; the 12-month limit, the steering group's extension, consent revoked and sick leave on the way.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from engine import events
from engine.errors import Conflict, InvalidFormData
from tests.engine.journey import STOCKHOLM, local, move_to
from tests.journeys.conftest import CONSENT_WATCH, own_timers
from tests.registrations import registered

PROCESSES = ("samverkansteamet.bpmn", "samverkansteamet_motesplats.dmn")
KONTAKTPERSON = "anna.karlsson"
ANDRA_KONTAKTPERSON = "bo.lind"
TEAM = ("teamledare", "arbetscoach", "arbetsterapeut", "sius-konsulent")

INFORMATIONSMOTE_BOKAT = {"mote_datum": "2026-01-14"}


# --- how the team works a case ------------------------------------------------------------------


def complete(journey, case, task: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    """Complete an open task as the one it is for: its assignee (the contact person), else the team."""
    open_task = journey.task(case, task)
    return journey.complete(case, task, data or {}, actor=open_task.assignee or "teamet")


def open_tasks(journey, case, *, with_contacts: bool = False) -> list[str]:  # type: ignore[no-untyped-def]
    """The open tasks; the monthly referrer contacts only when asked for."""
    names = journey.open_task_names(case)
    return names if with_contacts else [n for n in names if n != "kontakta_remittenten"]


def informationsmote(journey, hemkommun: str = "Lindesberg", svar: str = "ja"):  # type: ignore[no-untyped-def]
    case = journey.start("samverkansteamet", registered("samverkansteamet", hemkommun=hemkommun))
    complete(journey, case, "registrera_informationsmote", INFORMATIONSMOTE_BOKAT)
    complete(journey, case, "informationsmote",
             {"teammedlem_1": KONTAKTPERSON, "teammedlem_2": "cecilia.berg", "deltagarens_svar": svar})
    return case


def remiss(journey, case, inkom: str = "2026-01-16") -> None:  # type: ignore[no-untyped-def]
    move_to(journey, inkom)
    complete(journey, case, "registrera_remiss", {"remiss_inkom": inkom})


def inskriven(journey, case, teammote: str = "2026-01-21") -> None:  # type: ignore[no-untyped-def]
    """Accepted at the team meeting, contact persons named, registered at AF and in SUS."""
    move_to(journey, teammote)
    complete(journey, case, "bedom_remiss", {"teammote_datum": teammote, "beslut": "antagen"})
    complete(journey, case, "utse_kontaktpersoner",
             {"kontaktperson": KONTAKTPERSON, "andra_kontaktperson": ANDRA_KONTAKTPERSON})
    complete(journey, case, "inskrivning_af", {"af_inskriven_datum": teammote})
    complete(journey, case, "sus_inskrivning", {"sus_inskrivning_registrerad": teammote})


def samtal(journey, case, fler: bool = False):  # type: ignore[no-untyped-def]
    return complete(journey, case, "kartlaggningssamtal",
                    {"samtal_datum": "2026-02-02", "kartlaggning_anteckning": "Intressen, förmågor",
                     "fler_samtal": fler})


def kartlagd(journey, case) -> None:  # type: ignore[no-untyped-def]
    """Economic counselling offered, three conversations, followed up at the team meeting."""
    complete(journey, case, "ekonomisk_radgivning",
             {"radgivning_svar": "tackat_ja", "radgivning_ersattning": "aktivitetsersattning"})
    for _ in range(3):
        samtal(journey, case)
    complete(journey, case, "uppfoljning_teammote",
             {"uppfoljning_teammote_datum": "2026-02-18", "planering": "Arbetsträning inom handel"})


def handlingsplan(journey, case, **insatser: bool) -> None:  # type: ignore[no-untyped-def]
    complete(journey, case, "revidera_handlingsplan", {"handlingsplan": "Steg mot arbete", **insatser})


def folj_upp(journey, case, mal_uppfyllt: str) -> None:  # type: ignore[no-untyped-def]
    complete(journey, case, "folj_upp_handlingsplan",
             {"uppfoljning_datum": "2026-04-01", "uppfoljning": "Går bra", "mal_uppfyllt": mal_uppfyllt})


def avslutad(journey, case, utfall: str = "arbete", datum: str = "2026-04-15"):  # type: ignore[no-untyped-def]
    complete(journey, case, "avslut", {
        "utfall": utfall, "avslut_datum": datum, "sammanfattning": "Deltagaren har fått anställning.",
        "rekommendationer": "Uppföljning hos arbetsgivaren efter tre månader.", "avslutande_mote_erbjudet": True,
    })
    return complete(journey, case, "sus_avslut", {"sus_avslut_registrerad": datum})


def timer_dates(journey, case, element: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The Stockholm dates on which the timer fired."""
    return [datetime.fromisoformat(e.details["due_at"]).astimezone(STOCKHOLM).date().isoformat()
            for e in journey.history(case, events.TimerFired.event) if e.element == element]


def till_tidsgransen(journey, case, *, prepared: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Enrolled 2026-01-21, action plan made, the 11-month reminder handled (unless not ``prepared``),
    then the year is up."""
    remiss(journey, case)
    inskriven(journey, case)
    kartlagd(journey, case)
    handlingsplan(journey, case, grupptraff=True)
    complete(journey, case, "insats_grupptraff", {"grupptraff_tema": "Lära känna sig själv"})
    move_to(journey, "2026-12-22")
    assert "forbered_tidsgrans" in open_tasks(journey, case)
    if prepared:
        complete(journey, case, "forbered_tidsgrans",
                 {"foresla_forlangning": True, "tidsgrans_underlag": "Behöver tid att slutföra arbetsträningen"})
    move_to(journey, "2027-01-21", "08:00")


# --- the journey --------------------------------------------------------------------------------


def test_the_happy_path_from_information_meeting_to_work(journey) -> None:  # type: ignore[no-untyped-def]
    case = journey.start("samverkansteamet")
    assert open_tasks(journey, case) == ["registrera_informationsmote"]
    assert journey.task(case, "registrera_informationsmote").candidate_groups == ("teamledare",)

    complete(journey, case, "registrera_informationsmote", INFORMATIONSMOTE_BOKAT)
    assert journey.case(case).data["motesplats"] == "Samverkansteamets lokaler"
    meeting = journey.task(case, "informationsmote")
    assert meeting.candidate_groups == TEAM
    assert meeting.due_at == local("2026-01-15")  # by the end of the meeting day

    complete(journey, case, "informationsmote",
             {"teammedlem_1": KONTAKTPERSON, "teammedlem_2": "cecilia.berg", "deltagarens_svar": "ja"})
    assert open_tasks(journey, case) == ["registrera_remiss"]

    remiss(journey, case, "2026-01-16")
    inskriven(journey, case, "2026-01-21")
    enrolled = journey.case(case)
    assert enrolled.data["inskrivning_datum"] == "2026-01-21"
    assert enrolled.data["slutdatum"] == "2027-01-21"
    assert open_tasks(journey, case) == ["ekonomisk_radgivning", "kartlaggningssamtal"]
    assert journey.task(case, "kartlaggningssamtal").assignee == KONTAKTPERSON
    assert journey.task(case, "ekonomisk_radgivning").candidate_groups == ("arbetscoach",)

    move_to(journey, "2026-02-02")
    kartlagd(journey, case)
    handlingsplan(journey, case, arbetstraning=True)
    assert open_tasks(journey, case) == ["insats_arbetstraning"]
    assert journey.task(case, "insats_arbetstraning").candidate_groups == ("sius-konsulent",)

    move_to(journey, "2026-02-23")  # a month after enrollment: the referrer is due a contact
    contact = journey.task(case, "kontakta_remittenten")
    assert contact.created_at == local("2026-02-21", "09:00") and contact.assignee == KONTAKTPERSON
    complete(journey, case, "kontakta_remittenten", {"kontakt_datum": "2026-02-23", "kontaktsatt": "telefon"})

    complete(journey, case, "insats_arbetstraning", {"arbetsplats": "ICA Kvantum Lindesberg"})
    folj_upp(journey, case, "ja")
    assert open_tasks(journey, case, with_contacts=True) == ["avslut"]
    assert journey.task(case, "avslut").assignee == KONTAKTPERSON

    done = avslutad(journey, case, "arbete", "2026-03-31")

    assert done.status == "completed"
    assert done.open_tasks == () and done.timers == () and done.waiting_messages == ()
    follow_up = {k: done.data[k] for k in ("hemkommun", "remitterande_myndighet", "kon", "fodelsear",
                                           "inskrivning_datum", "avslut_datum", "utfall", "antal_samtal")}
    assert follow_up == {
        "hemkommun": "Lindesberg", "remitterande_myndighet": "FK", "kon": "kvinna", "fodelsear": 2002,
        "inskrivning_datum": "2026-01-21", "avslut_datum": "2026-03-31", "utfall": "arbete", "antal_samtal": 3,
    }
    assert [e.event for e in journey.history(case)][-1] == events.CaseCompleted.event


@pytest.mark.parametrize(("hemkommun", "motesplats"), [
    ("Lindesberg", "Samverkansteamets lokaler"),
    ("Hällefors", "Arbetsförmedlingen i Hällefors"),
    ("Nora", "Arbetsförmedlingen i Nora"),
    ("Ljusnarsberg", "Kommunhuset i Ljusnarsberg"),
])
def test_the_meeting_place_follows_the_home_municipality(journey, hemkommun: str, motesplats: str) -> None:  # type: ignore[no-untyped-def]
    case = journey.start("samverkansteamet", registered("samverkansteamet", hemkommun=hemkommun))
    complete(journey, case, "registrera_informationsmote", INFORMATIONSMOTE_BOKAT)

    assert journey.case(case).data["motesplats"] == motesplats
    assert open_tasks(journey, case) == ["informationsmote"]


def test_a_home_municipality_outside_the_area_is_refused_at_registration(journey) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidFormData) as refused:
        journey.start("samverkansteamet", registered("samverkansteamet", hemkommun="Örebro"))
    assert set(refused.value.fields) == {"hemkommun"}
    assert journey.engine.cases() == []


def test_registration_is_never_asked_again(journey) -> None:  # type: ignore[no-untyped-def]
    """What registration recorded is the case's from its start; the first task asks only the meeting day."""
    case = journey.start("samverkansteamet")
    assert journey.case(case).data | registered("samverkansteamet") == journey.case(case).data
    first = journey.task(case, "registrera_informationsmote")
    assert [f.id for f in first.form.fields] == ["mote_datum"]
    with pytest.raises(InvalidFormData) as missing:
        journey.start("samverkansteamet", {})
    assert set(missing.value.fields) == set(registered("samverkansteamet"))


def test_declining_at_the_information_meeting_ends_the_case(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey, svar="nej")

    done = journey.case(case)
    assert done.status == "completed" and done.open_tasks == ()
    assert done.data["utfall"] == "avbojt" and done.data["avslut_datum"] == "2026-01-14"
    assert not any(e.element == "registrera_remiss" for e in journey.history(case))


def test_two_different_team_members_hold_the_information_meeting(journey) -> None:  # type: ignore[no-untyped-def]
    case = journey.start("samverkansteamet")
    complete(journey, case, "registrera_informationsmote", INFORMATIONSMOTE_BOKAT)

    complete(journey, case, "informationsmote",
             {"teammedlem_1": "Cecilia.Berg", "teammedlem_2": " cecilia.berg", "deltagarens_svar": "ja"})
    assert open_tasks(journey, case) == ["informationsmote"]

    complete(journey, case, "informationsmote",
             {"teammedlem_1": "cecilia.berg", "teammedlem_2": KONTAKTPERSON, "deltagarens_svar": "ja"})
    assert open_tasks(journey, case) == ["registrera_remiss"]


def test_a_rejected_referral_is_answered_with_the_reason_and_ends(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case, "2026-01-16")
    move_to(journey, "2026-01-21")
    complete(journey, case, "bedom_remiss", {"teammote_datum": "2026-01-21", "beslut": "ej_antagen"})

    reply = journey.task(case, "svara_remittent_avslag")
    assert reply.due_at == local("2026-01-30")  # the same two weeks from the referral's arrival
    assert "pagaende_missbruk" in {o.id for o in reply.form.field("avslagsgrund").options}
    with pytest.raises(InvalidFormData) as refused:
        complete(journey, case, "svara_remittent_avslag", {"avslagsgrund": "pagaende_missbruk"})
    assert set(refused.value.fields) == {"motivering", "svar_skickat_datum"}

    done = complete(journey, case, "svara_remittent_avslag", {
        "avslagsgrund": "pagaende_missbruk", "motivering": "Pågående missbruk; kontakta oss igen efter behandling.",
        "svar_skickat_datum": "2026-01-22"})

    assert done.status == "completed" and done.open_tasks == () and done.timers == ()
    assert done.data["utfall"] == "ej_antagen" and done.data["avslut_datum"] == "2026-01-22"
    assert "kontaktperson" not in done.data


def test_a_missed_reply_deadline_reminds_then_escalates_once_and_shows_overdue(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case, "2026-01-16")
    assessment = journey.task(case, "bedom_remiss")
    assert assessment.candidate_groups == ("teamledare",)
    assert assessment.due_at == local("2026-01-30")  # 14 days from and including the arrival date
    assert assessment.follow_up_at == local("2026-01-27")

    move_to(journey, "2026-01-26")
    assert open_tasks(journey, case) == ["bedom_remiss"]

    move_to(journey, "2026-01-27")  # three days left: the engine reminds the team leaders (followUpDate)
    assert open_tasks(journey, case) == ["bedom_remiss"]
    assert [n.recipient for n in journey.engine.notifications() if n.kind == "reminder"] == ["teamledare"]
    assert journey.engine.tasks(overdue=True) == []

    move_to(journey, "2026-01-30")  # the deadline has passed: escalation, and the assessment is overdue
    assert open_tasks(journey, case) == ["bedom_remiss", "eskalera_svarstid"]
    assert [t.name for t in journey.engine.tasks(overdue=True)] == ["bedom_remiss"]
    assert sum(n.kind == "escalation" for n in journey.engine.notifications()) >= 1

    journey.advance("P60D")
    assert journey.open_task_names(case).count("eskalera_svarstid") == 1
    fired = [(e.element, e.at) for e in journey.history(case, events.TimerFired.event) if e.element != CONSENT_WATCH]
    assert fired == [("eskalering_svarstid", local("2026-01-30"))]

    # The assessment is made: the escalation task it left open is moot and goes from the inbox.
    complete(journey, case, "bedom_remiss", {"teammote_datum": "2026-03-31", "beslut": "antagen"})
    assert "eskalera_svarstid" not in open_tasks(journey, case)
    assert "utse_kontaktpersoner" in open_tasks(journey, case)
    assert [e.element for e in journey.history(case, events.TaskWithdrawn.event)] == ["eskalera_svarstid"]


def test_fewer_than_three_conversations_cannot_finish(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)
    complete(journey, case, "ekonomisk_radgivning", {"radgivning_svar": "tackat_nej"})

    samtal(journey, case, fler=False)
    assert open_tasks(journey, case) == ["kartlaggningssamtal"]
    samtal(journey, case, fler=False)
    assert open_tasks(journey, case) == ["kartlaggningssamtal"]
    assert journey.case(case).data["antal_samtal"] == 2

    samtal(journey, case, fler=False)
    assert open_tasks(journey, case) == ["uppfoljning_teammote"]
    assert journey.case(case).data["antal_samtal"] == 3


def test_a_seventh_conversation_is_never_offered(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)

    for held in range(1, 6):
        samtal(journey, case, fler=True)
        assert "kartlaggningssamtal" in open_tasks(journey, case), f"after {held} conversations"
    samtal(journey, case, fler=True)

    assert open_tasks(journey, case) == ["ekonomisk_radgivning"]  # the 7th is not offered
    complete(journey, case, "ekonomisk_radgivning", {"radgivning_svar": "tackat_ja"})
    assert open_tasks(journey, case) == ["uppfoljning_teammote"]  # counselling done: on to the team meeting
    assert journey.case(case).data["antal_samtal"] == 6
    held = [e for e in journey.history(case, events.TaskCompleted.event) if e.element == "kartlaggningssamtal"]
    assert len(held) == 6


def test_the_same_person_cannot_be_both_contact_persons(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case)
    complete(journey, case, "bedom_remiss", {"teammote_datum": "2026-01-21", "beslut": "antagen"})

    complete(journey, case, "utse_kontaktpersoner",
             {"kontaktperson": KONTAKTPERSON, "andra_kontaktperson": " Anna.Karlsson"})
    assert open_tasks(journey, case) == ["utse_kontaktpersoner"]

    complete(journey, case, "utse_kontaktpersoner",
             {"kontaktperson": KONTAKTPERSON, "andra_kontaktperson": ANDRA_KONTAKTPERSON})
    assert open_tasks(journey, case) == ["inskrivning_af"]
    data = journey.case(case).data
    assert (data["kontaktperson"], data["andra_kontaktperson"]) == (KONTAKTPERSON, ANDRA_KONTAKTPERSON)


def test_interventions_run_in_parallel_and_the_follow_up_waits_for_all(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)
    kartlagd(journey, case)

    handlingsplan(journey, case, arbetstraning=True, studiebesok=True, grupptraff=True)
    assert open_tasks(journey, case) == ["insats_arbetstraning", "insats_grupptraff", "insats_studiebesok"]
    assert journey.task(case, "insats_grupptraff").candidate_groups == ("arbetsterapeut",)
    assert journey.task(case, "insats_studiebesok").candidate_groups == ("arbetscoach",)

    complete(journey, case, "insats_studiebesok", {"studiebesok_plats": "Lindesbergs lasarett"})
    complete(journey, case, "insats_grupptraff", {"grupptraff_tema": "Socialförsäkringen"})
    assert open_tasks(journey, case) == ["insats_arbetstraning"]
    complete(journey, case, "insats_arbetstraning", {"arbetsplats": "Lindesbergs kommun, park"})
    assert open_tasks(journey, case) == ["folj_upp_handlingsplan"]

    folj_upp(journey, case, "nej")  # not there yet: the action plan is revised, the choices made anew
    assert open_tasks(journey, case) == ["revidera_handlingsplan"]
    handlingsplan(journey, case)
    assert open_tasks(journey, case) == ["folj_upp_handlingsplan"]


def test_support_during_studies_lasts_a_month_and_is_extended_to_at_most_three(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)
    kartlagd(journey, case)
    handlingsplan(journey, case, studier=True)
    complete(journey, case, "registrera_studiestart", {"studiestart": "2026-03-02", "utbildning": "Komvux, vård"})
    assert open_tasks(journey, case) == []

    move_to(journey, "2026-04-01")
    assert open_tasks(journey, case) == []
    move_to(journey, "2026-04-02")  # one month from the study start
    assert open_tasks(journey, case) == ["prova_forlangt_studiestod"]
    complete(journey, case, "prova_forlangt_studiestod", {"forlanga_studiestod": "ja"})

    move_to(journey, "2026-05-02")
    complete(journey, case, "prova_forlangt_studiestod", {"forlanga_studiestod": "ja"})

    move_to(journey, "2026-06-02")  # three months: no further extension is offered
    assert open_tasks(journey, case) == ["folj_upp_handlingsplan"]
    assert journey.case(case).data["stodmanader"] == 3
    assert timer_dates(journey, case, "studiestod_loper_ut") == ["2026-04-02", "2026-05-02", "2026-06-02"]


def test_the_action_plan_revised_round_after_round_with_studies_keeps_every_task_once(journey) -> None:  # type: ignore[no-untyped-def]
    """Three rounds of the plan, each choosing work training and studies; the follow-up waits for the
    whole study support each time. (SpiffWorkflow's own inclusive join fired early from the second
    round on, left the study branch running beside the next round, and after a few rounds deleted the
    live round while joining: an incident in a live case.)"""
    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)
    kartlagd(journey, case)

    for round_ in range(1, 4):
        handlingsplan(journey, case, arbetstraning=True, studier=True)
        complete(journey, case, "insats_arbetstraning", {"arbetsplats": f"Arbetsplats {round_}"})
        assert open_tasks(journey, case) == ["registrera_studiestart"]  # the follow-up waits for the studies
        today = journey.clock.now().astimezone(STOCKHOLM).date().isoformat()
        complete(journey, case, "registrera_studiestart", {"studiestart": today, "utbildning": f"Kurs {round_}"})
        for _extension in range(2):
            journey.advance("P1M")
            done_contacts(journey, case)
            assert open_tasks(journey, case) == ["prova_forlangt_studiestod"]
            complete(journey, case, "prova_forlangt_studiestod", {"forlanga_studiestod": "ja"})
        journey.advance("P1M")  # the third month: the support ends
        done_contacts(journey, case)
        assert open_tasks(journey, case) == ["folj_upp_handlingsplan"]
        folj_upp(journey, case, "nej")

    current = journey.case(case)
    assert current.incident is None
    assert open_tasks(journey, case) == ["revidera_handlingsplan"]
    assert current.data["arbetsplats"] == "Arbetsplats 3" and current.data["utbildning"] == "Kurs 3"


def done_contacts(journey, case) -> None:  # type: ignore[no-untyped-def]
    """The monthly referrer contacts the team has made."""
    for task in [t for t in journey.case(case).open_tasks if t.name == "kontakta_remittenten"]:
        journey.engine.complete_task(task.id, {"kontakt_datum": "2026-03-02", "kontaktsatt": "telefon"},
                                     task.assignee or "teamet")


def test_support_during_studies_ends_after_one_month_unless_extended(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)
    kartlagd(journey, case)
    handlingsplan(journey, case, studier=True)
    complete(journey, case, "registrera_studiestart", {"studiestart": "2026-03-02", "utbildning": "Komvux"})

    move_to(journey, "2026-04-02")
    complete(journey, case, "prova_forlangt_studiestod", {"forlanga_studiestod": "nej"})
    assert open_tasks(journey, case) == ["folj_upp_handlingsplan"]
    folj_upp(journey, case, "ja")
    done_contacts(journey, case)
    done = avslutad(journey, case, "studier", "2026-04-10")
    assert done.status == "completed" and done.data["utfall"] == "studier"


def test_a_year_of_monthly_referrer_contacts_falls_on_calendar_months(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case, "2026-01-14")
    inskriven(journey, case, "2026-01-15")
    kartlagd(journey, case)
    handlingsplan(journey, case, grupptraff=True)
    complete(journey, case, "insats_grupptraff", {"grupptraff_tema": "Vardagssamtal"})

    for month in ("2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09",
                  "2026-10", "2026-11", "2026-12"):
        move_to(journey, f"{month}-15", "12:00")
        contact = journey.task(case, "kontakta_remittenten")
        assert contact.created_at == local(f"{month}-15", "09:00")
        assert contact.due_at == local(f"{month}-22", "09:00")
        complete(journey, case, "kontakta_remittenten", {"kontakt_datum": f"{month}-15", "kontaktsatt": "epost"})
    complete(journey, case, "forbered_tidsgrans", {"foresla_forlangning": True})

    # The twelfth month: the year is up at midnight, the steering group extends in the morning, and
    # the contacts go on on the same calendar day.
    move_to(journey, "2027-01-15", "08:00")
    complete(journey, case, "besluta_forlangning", {"forlangning_manader": 6, "styrgrupp_beslut_datum": "2027-01-15"})
    move_to(journey, "2027-01-15", "12:00")

    assert timer_dates(journey, case, "varje_manad") == [
        "2026-02-15", "2026-03-15", "2026-04-15", "2026-05-15", "2026-06-15", "2026-07-15", "2026-08-15",
        "2026-09-15", "2026-10-15", "2026-11-15", "2026-12-15", "2027-01-15",
    ]
    assert journey.open_task_names(case).count("kontakta_remittenten") == 1


def test_a_monthly_referrer_contact_is_in_the_case_data_as_soon_as_it_is_made(journey) -> None:  # type: ignore[no-untyped-def]
    """The contact task comes from a repeating boundary timer: its branch never joins the main path,
    and what staff entered in it used to be in the history only."""
    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)
    move_to(journey, "2026-02-21")
    complete(journey, case, "kontakta_remittenten", {"kontakt_datum": "2026-02-23", "kontaktsatt": "telefon",
                                                     "kontakt_anteckning": "Ringde remittenten"})

    data = journey.case(case).data
    assert (data["kontakt_datum"], data["kontaktsatt"], data["kontakt_anteckning"]) == (
        "2026-02-23", "telefon", "Ringde remittenten")


def test_the_twelve_month_limit_without_extension_leads_to_the_exit(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    till_tidsgransen(journey, case)

    assert timer_dates(journey, case, "paminnelse_tidsgrans") == ["2026-12-21"]
    assert timer_dates(journey, case, "tidsgrans") == ["2027-01-21"]
    assert open_tasks(journey, case) == ["besluta_forlangning"]
    # The monthly contacts not yet made outlive the participation: they are still owed the referrer.
    still_owed = open_tasks(journey, case, with_contacts=True).count("kontakta_remittenten")
    assert still_owed == len(timer_dates(journey, case, "varje_manad")) > 0
    decision = journey.task(case, "besluta_forlangning")
    assert decision.candidate_groups == ("styrgrupp",)
    with pytest.raises(InvalidFormData) as refused:
        complete(journey, case, "besluta_forlangning",
                 {"forlangning_manader": 7, "styrgrupp_beslut_datum": "2027-01-21"})
    assert set(refused.value.fields) == {"forlangning_manader"}

    complete(journey, case, "besluta_forlangning",
             {"forlangning_manader": 0, "styrgrupp_beslut_datum": "2027-01-21", "styrgrupp_motivering": "Avslag"})
    assert open_tasks(journey, case) == ["avslut"]
    assert own_timers(journey.case(case)) == []

    done_contacts(journey, case)  # the case ends when every contact owed is made
    done = avslutad(journey, case, "ater_till_remittent", "2027-01-25")
    assert done.status == "completed"
    assert done.data["utfall"] == "ater_till_remittent" and done.data["inskrivning_datum"] == "2026-01-21"


def test_a_preparation_not_made_by_the_limit_closes_and_the_extension_asks_afresh(journey) -> None:  # type: ignore[no-untyped-def]
    """Found by the simulator at full size: a case paused over its eleventh month left the limit's
    preparation undone; after the steering group's one-month extension the next period's
    preparation opened beside it."""
    case = informationsmote(journey)
    till_tidsgransen(journey, case, prepared=False)  # the year is up, the preparation not made
    assert "forbered_tidsgrans" not in open_tasks(journey, case)
    assert "besluta_forlangning" in open_tasks(journey, case)
    complete(journey, case, "besluta_forlangning", {"forlangning_manader": 1, "styrgrupp_beslut_datum": "2027-01-21"})
    assert open_tasks(journey, case).count("forbered_tidsgrans") == 1  # one month left: asked once, afresh


def test_an_extension_continues_the_work_up_to_the_new_limit_then_exits(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    till_tidsgransen(journey, case)

    complete(journey, case, "besluta_forlangning", {"forlangning_manader": 3, "styrgrupp_beslut_datum": "2027-01-21"})
    # The work goes on where it was: the action plan is revised, no new kartläggning.
    assert open_tasks(journey, case) == ["revidera_handlingsplan"]
    extended = journey.case(case)
    assert extended.data["slutdatum"] == "2027-04-21"
    due = {t.element: t.due_at for t in extended.timers}
    assert due["tidsgrans"] == local("2027-04-21") and due["paminnelse_tidsgrans"] == local("2027-03-21")

    handlingsplan(journey, case, arbetstraning=True)
    move_to(journey, "2027-03-22")
    complete(journey, case, "forbered_tidsgrans",
             {"foresla_forlangning": False, "tidsgrans_underlag": "Avslut planeras"})
    move_to(journey, "2027-04-21")

    # No second extension: the new limit goes straight to the exit.
    assert open_tasks(journey, case) == ["avslut"]
    assert [e.element for e in journey.history(case, events.TaskCompleted.event)].count("besluta_forlangning") == 1
    done_contacts(journey, case)
    done = avslutad(journey, case, "arbetssokande_af", "2027-04-22")
    assert done.status == "completed" and done.data["utfall"] == "arbetssokande_af"


def test_consent_revoked_ends_the_case(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)
    samtal(journey, case)
    assert "samtycke_aterkallat" in journey.case(case).waiting_messages

    revoked = journey.engine.send_message(case.id, "samtycke_aterkallat", {"aterkallat_av": "deltagaren"}, "teamet")

    assert revoked.status == "open"
    assert open_tasks(journey, case, with_contacts=True) == ["avsluta_utan_samtycke"]
    assert revoked.timers == () and "samtycke_aterkallat" not in revoked.waiting_messages
    done = complete(journey, case, "avsluta_utan_samtycke",
                    {"aterkallat_datum": "2026-01-22", "avslut_datum": "2026-01-22", "parter_informerade": True})
    assert done.status == "completed" and done.open_tasks == ()
    assert done.data["utfall"] == "samtycke_aterkallat" and done.data["avslut_datum"] == "2026-01-22"
    # What was gathered inside the interrupted Ärende stays for the follow-up.
    assert done.data["remiss_inkom"] and done.data["kontaktperson"] and done.data["inskrivning_datum"]


def test_consent_matters_from_the_referral_on(journey) -> None:  # type: ignore[no-untyped-def]
    case = journey.start("samverkansteamet")
    with pytest.raises(Conflict, match="not waiting for the message 'samtycke_aterkallat'"):
        journey.engine.send_message(case.id, "samtycke_aterkallat", {}, "teamet")

    case = informationsmote(journey)
    remiss(journey, case)  # while the referral is being assessed
    journey.engine.send_message(case.id, "samtycke_aterkallat", {}, "teamet")
    assert open_tasks(journey, case) == ["avsluta_utan_samtycke"]
    assert journey.case(case).timers == ()


def test_full_time_sick_leave_pauses_the_participation_and_it_resumes(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)
    assert "sjukskrivning_rapporterad" in journey.case(case).waiting_messages

    journey.engine.send_message(case.id, "sjukskrivning_rapporterad", {"sjukskriven_from": "2026-02-01"}, "fk")
    paused = journey.case(case)
    assert "vilande" in open_tasks(journey, case)
    assert journey.task(case, "vilande").candidate_groups == ("teamledare",)
    assert "sjukskrivning_avslutad" in paused.waiting_messages
    assert paused.data["sjukskriven_from"] == "2026-02-01"

    resumed = journey.engine.send_message(case.id, "sjukskrivning_avslutad", {"sjukskriven_tom": "2026-03-15"}, "fk")
    assert "vilande" not in open_tasks(journey, case)
    assert "sjukskrivning_avslutad" not in resumed.waiting_messages
    assert sorted(open_tasks(journey, case)) == ["ekonomisk_radgivning", "kartlaggningssamtal"]


def test_the_exit_records_one_of_the_five_outcomes_with_summary_and_recommendations(journey) -> None:  # type: ignore[no-untyped-def]
    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)
    kartlagd(journey, case)
    handlingsplan(journey, case)
    folj_upp(journey, case, "ja")

    form = journey.task(case, "avslut").form
    assert [o.id for o in form.field("utfall").options] == [
        "arbete", "studier", "ater_till_remittent", "arbetssokande_af", "annan_aktor"]
    assert {f.id for f in form.fields if f.required} == {"utfall", "avslut_datum", "sammanfattning",
                                                         "rekommendationer"}
    assert form.field("avslutande_mote_erbjudet").type == "boolean"
    with pytest.raises(InvalidFormData) as refused:
        complete(journey, case, "avslut", {"utfall": "pension", "avslut_datum": "2026-04-01"})
    assert set(refused.value.fields) == {"utfall", "sammanfattning", "rekommendationer"}

    done = avslutad(journey, case, "annan_aktor", "2026-04-01")
    assert done.status == "completed" and done.data["utfall"] == "annan_aktor"
    assert done.data["avslutande_mote_erbjudet"] is True


def test_every_user_task_has_a_role_and_a_form(journey) -> None:  # type: ignore[no-untyped-def]
    from tests.journeys.conftest import process_files

    assert journey.engine.validate(process_files(*PROCESSES)) == []


def test_the_follow_up_counts_the_months_with_the_referrer_contacted(journey) -> None:  # type: ignore[no-untyped-def]
    """Enrolled 21 January: February, March and April each need a contact; March's is done in April."""
    from datetime import date

    from engine.views.followup import Filters, Period

    case = informationsmote(journey)
    remiss(journey, case)
    inskriven(journey, case)
    move_to(journey, "2026-02-23")
    complete(journey, case, "kontakta_remittenten", {"kontakt_datum": "2026-02-23", "kontaktsatt": "telefon"})
    move_to(journey, "2026-04-23")
    while "kontakta_remittenten" in journey.open_task_names(case):
        complete(journey, case, "kontakta_remittenten", {"kontakt_datum": "2026-04-23", "kontaktsatt": "trepartsmote"})

    spring = journey.engine.follow_up.figures(Period(date(2026, 2, 1), date(2026, 4, 30)),
                                              Filters(process_keys=("samverkansteamet",)))
    assert spring.contacts is not None
    assert (spring.contacts.required, spring.contacts.met, spring.contacts.share) == (3, 2, 66.7)
    january = journey.engine.follow_up.figures(Period(date(2026, 1, 1), date(2026, 1, 31)),
                                               Filters(process_keys=("samverkansteamet",)))
    assert january.contacts is not None and january.contacts.required == 0  # the month it began
