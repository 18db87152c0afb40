"""Protected identity (skyddade personuppgifter): Rebecka refers Gunnar, who lives at a protected
address, and ticks "skyddade personuppgifter" when she registers him. From then on his name and
personnummer are known only to the people named on the case — Rebecka, who typed them, and Arvid,
whom the team leader names as his contact person — and only where one case is read, each showing
in the access log. Everyone else, the team leader and the admin included, and every list, mail,
notice and notification, says "Skyddad identitet" and gives no number; a search by his name or
number finds nothing for them. The admin reaches his data through the register extract."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import Flask

from engine.api import WorkflowEngine
from engine.notifications.delivery import DeliveryWorker
from engine.settings import DeliverySettings
from engine.views import CaseFilter
from tests.mailbox import Mailbox, text_of
from tests.registrations import SAMVERKANSTEAMET
from tests.web.browser import Person
from tests.web.conftest import Api, personnummer, staffed, walk
from web.accounts.access_log import Search

PEOPLE = {"tove": ("Tove Teamledare", ["teamledare"], ["samverkansteamet"]),
          "arvid": ("Arvid Berg", ["arbetscoach"], ["samverkansteamet"]),
          "sam": ("Sam Sius", ["sius-konsulent"], ["samverkansteamet"]),
          "rebecka": ("Rebecka Remittent", ["remittent"], []),
          "ada": ("Ada Admin", ["admin"], []),
          "lars": ("Lars Loggranskare", ["logggranskare"], [])}
NAME = "Gunnar Gran"
NUMBER = personnummer("19850312", "234")
DIGITS = NUMBER.replace("-", "")
HIDDEN = "Skyddad identitet"


@pytest.fixture
def team(app: Flask, shipped: WorkflowEngine) -> Api:
    return staffed(app, PEOPLE)


def _register(app: Flask, *, protected: bool) -> str:
    """Rebecka registers Gunnar on the registration page, as she would."""
    rebecka = Person(app, "rebecka")
    form = {k: v for k, v in SAMVERKANSTEAMET.items() if k not in ("kon", "fodelsear")}
    answer = rebecka.post("/register/samverkansteamet", {
        "name": NAME, "personnummer": NUMBER, **({"skyddad": "ja"} if protected else {}), **form})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"].rsplit("/", 1)[-1]


@pytest.fixture
def gunnar(app: Flask, shipped: WorkflowEngine, team: Api) -> str:
    """Gunnar, registered with a protected identity, his information meeting and referral recorded."""
    case_id = _register(app, protected=True)
    walk(shipped, case_id, [
        ("registrera_informationsmote", {"mote_datum": "2026-01-14"}),
        ("informationsmote", {"teammedlem_1": "arvid", "teammedlem_2": "sam", "deltagarens_svar": "ja"}),
        ("registrera_remiss", {"remiss_inkom": "2026-01-16"})], "tove")
    return case_id


def _log(app: Flask, username: str, case_id: str) -> list[str]:
    entries, _total = app.extensions["samverkan.accounts"].access_log.page(Search(username=username,
                                                                                   case_ids=(case_id,)))
    return sorted(e.action for e in entries)


def _name_them(app: Flask, case_id: str, *named: str, protected: bool = True) -> None:
    tove = Person(app, "tove")
    answer = tove.post(f"/cases/{case_id}/skydd", {"skyddad": "ja" if protected else "", "behorig": list(named),
                                                   "reason": "Beslut om kontaktperson"})
    assert answer.status_code == 302
    tove.follow(answer)


# --- registering -----------------------------------------------------------------------------------

def test_registering_with_protected_identity_names_the_registrant_and_no_one_else(
        app: Flask, shipped: WorkflowEngine, gunnar: str) -> None:
    case = shipped.case(gunnar)
    assert case.protected and case.participant["behoriga"] == ["rebecka"]
    assert case.participant["name"] == NAME  # held, only shown to those named

    rebecka = Person(app, "rebecka")
    assert NAME in rebecka.get(f"/cases/{gunnar}").get_data(as_text=True)
    assert "identity.shown" in _log(app, "rebecka", gunnar)


def test_a_participant_registered_without_the_flag_is_not_protected(app: Flask, shipped: WorkflowEngine,
                                                                    team: Api) -> None:
    case = shipped.case(_register(app, protected=False))
    assert not case.protected and "skyddad" not in case.participant


# --- the case page -----------------------------------------------------------------------------------

def test_the_team_leader_and_the_admin_see_the_placeholder_and_no_number_and_cannot_reveal_it(
        app: Flask, gunnar: str) -> None:
    for who in ("tove", "arvid", "ada"):
        person = Person(app, who)
        page = person.get(f"/cases/{gunnar}").get_data(as_text=True)
        assert HIDDEN in page and NAME not in page and "Gunnar" not in page, who
        assert DIGITS[:8] not in page and f"/cases/{gunnar}/personnummer" not in page, who
        assert person.post(f"/cases/{gunnar}/personnummer").status_code == 403, who
        assert "identity.shown" not in _log(app, who, gunnar), who


def test_the_team_leader_names_the_contact_person_who_then_sees_him_each_time_logged(
        app: Flask, shipped: WorkflowEngine, gunnar: str) -> None:
    _name_them(app, gunnar, "arvid", "rebecka")
    assert shipped.case(gunnar).participant["behoriga"] == ["arvid", "rebecka"]
    [changed] = [e for e in shipped.history(gunnar) if e.event == "IdentityProtectionChanged"]
    assert changed.actor == "tove" and changed.details == {"protected": True, "named": ["arvid", "rebecka"],
                                                           "reason": "Beslut om kontaktperson"}
    assert "identity.protected" in _log(app, "tove", gunnar)

    arvid = Person(app, "arvid")
    page = arvid.get(f"/cases/{gunnar}").get_data(as_text=True)
    assert NAME in page and f"{DIGITS[:8]}-****" in page
    assert f"/cases/{gunnar}/personnummer" not in page  # named, but not one who registers participants
    task = shipped.case(gunnar).open_tasks[0]
    assert NAME in arvid.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert _log(app, "arvid", gunnar).count("identity.shown") == 2

    tove = Person(app, "tove")
    page = tove.get(f"/cases/{gunnar}").get_data(as_text=True)
    assert NAME not in page and "Skydd av identiteten ändrat" in page and "Beslut om kontaktperson" in page
    assert NAME not in tove.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_only_team_leaders_coordinators_and_admins_may_change_the_protection(app: Flask, shipped: WorkflowEngine,
                                                                            gunnar: str) -> None:
    for who in ("arvid", "rebecka", "lars"):
        answer = Person(app, who).post(f"/cases/{gunnar}/skydd", {"skyddad": "ja", "behorig": [who],
                                                                  "reason": "Vill se"})
        assert answer.status_code in (403, 404), who
    assert shipped.case(gunnar).participant["behoriga"] == ["rebecka"]
    # A name that is not the intervention's staff nor named already is not taken.
    _name_them(app, gunnar, "lars", "rebecka")
    assert shipped.case(gunnar).participant["behoriga"] == ["rebecka"]
    without_reason = Person(app, "tove").post(f"/cases/{gunnar}/skydd", {"skyddad": "", "reason": ""})
    assert without_reason.status_code == 302 and shipped.case(gunnar).protected


def test_lifting_the_protection_shows_him_to_the_team_again(app: Flask, shipped: WorkflowEngine, gunnar: str) -> None:
    _name_them(app, gunnar, protected=False)
    case = shipped.case(gunnar)
    assert not case.protected and "behoriga" not in case.participant
    assert NAME in Person(app, "tove").get(f"/cases/{gunnar}").get_data(as_text=True)
    assert "identity.unprotected" in _log(app, "tove", gunnar)


# --- lists and search ----------------------------------------------------------------------------

def test_lists_name_nobody_and_a_search_by_name_or_number_finds_him_only_for_those_named(
        app: Flask, shipped: WorkflowEngine, gunnar: str) -> None:
    _name_them(app, gunnar, "arvid", "rebecka")
    for who in ("tove", "arvid", "ada"):
        person = Person(app, who)
        listed = person.get("/cases").get_data(as_text=True)
        assert gunnar in listed and HIDDEN in listed and NAME not in listed and DIGITS[:8] not in listed, who
        inbox = person.get("/inbox?tab=all").get_data(as_text=True)
        assert NAME not in inbox, who
    for q in ("Gunnar", "gran", DIGITS[-4:], NUMBER):
        assert gunnar not in Person(app, "tove").get("/cases", query_string={"q": q}).get_data(as_text=True), q
        assert gunnar not in Person(app, "ada").get("/cases", query_string={"q": q}).get_data(as_text=True), q
        found = Person(app, "arvid").get("/cases", query_string={"q": q}).get_data(as_text=True)
        assert gunnar in found and NAME not in found, q
    assert HIDDEN in Person(app, "tove").get("/inbox?tab=all").get_data(as_text=True)
    task = shipped.case(gunnar).open_tasks[0]
    for q in ("Gunnar", DIGITS[-4:]):
        assert task.id not in Person(app, "tove").get("/inbox", query_string={"tab": "all", "q": q}).get_data(
            as_text=True), q
        assert task.id in Person(app, "arvid").get("/inbox", query_string={"tab": "all", "q": q}).get_data(
            as_text=True), q


def test_the_engine_finds_him_by_number_for_the_register_extract_and_for_those_named_only(
        shipped: WorkflowEngine, gunnar: str) -> None:
    assert [c.id for c in shipped.case_page(CaseFilter(participant_key=DIGITS)).cases] == [gunnar]
    assert shipped.case_page(CaseFilter(participant_key=DIGITS, searched_by="tove")).cases == ()
    assert shipped.case_page(CaseFilter(name="Gunnar", searched_by="rebeck")).cases == ()  # a whole name only
    assert [c.id for c in shipped.case_page(CaseFilter(name="Gunnar", searched_by="rebecka")).cases] == [gunnar]
    # Sorted by name, he stands where an unknown name would, not where "Gunnar" would.
    anna = shipped.start_case("samverkansteamet", participant={"name": "Anna Ask"}, actor="rebecka",
                              data=SAMVERKANSTEAMET).id
    by_name = [c.id for c in shipped.case_page(CaseFilter(), sort="name", descending=False).cases]
    assert by_name[:2] == [gunnar, anna]
    # With the protection lifted he sorts by his name again, and under it once more when it is back.
    shipped.protect_identity(gunnar, False, (), "Skyddet upphävt", "tove")
    by_name = [c.id for c in shipped.case_page(CaseFilter(), sort="name", descending=False).cases]
    assert by_name[:2] == [anna, gunnar]
    shipped.protect_identity(gunnar, True, ("arvid",), "Skyddet återinfört", "tove")
    by_name = [c.id for c in shipped.case_page(CaseFilter(), sort="name", descending=False).cases]
    assert by_name[:2] == [gunnar, anna]


def test_the_log_reviewer_cannot_find_him_by_name_and_the_log_names_him_by_the_placeholder(
        app: Flask, gunnar: str) -> None:
    Person(app, "tove").get(f"/cases/{gunnar}")
    lars = Person(app, "lars")
    page = lars.get("/logg").get_data(as_text=True)
    assert HIDDEN in page and NAME not in page and DIGITS[:8] not in page
    assert "Läste ärendet" in page
    assert "Läste ärendet" not in lars.get("/logg", query_string={"deltagare": "Gunnar"}).get_data(as_text=True)
    export = lars.get("/logg/logg.csv").get_data(as_text=True)
    assert HIDDEN in export and NAME not in export


# --- the JSON API --------------------------------------------------------------------------------

def test_the_api_hides_him_from_those_not_named_and_logs_each_showing(app: Flask, team: Api, gunnar: str) -> None:
    shown = team.get(f"/cases/{gunnar}", "tove").get_json()
    assert shown["participant"] == {"name": HIDDEN, "personnummer": "", "municipality": "Lindesberg",
                                    "skyddad": True}
    assert NAME not in json.dumps(shown) and DIGITS[:8] not in json.dumps(shown)
    assert team.get(f"/cases/{gunnar}?reveal=personnummer", "tove").status_code == 403
    listed = team.get("/cases", "tove").get_json()
    assert [c["participant"]["name"] for c in listed if c["id"] == gunnar] == [HIDDEN]

    mine = team.get(f"/cases/{gunnar}", "rebecka").get_json()
    assert mine["participant"]["name"] == NAME and mine["participant"]["skyddad"] is True
    assert "identity.shown" in _log(app, "rebecka", gunnar)
    assert [c["participant"]["name"] for c in team.get("/cases", "rebecka").get_json()] == [HIDDEN]


def test_the_api_registers_a_protected_identity_naming_the_caller(app: Flask, shipped: WorkflowEngine,
                                                                 team: Api) -> None:
    answer = team.post("/cases", "rebecka", {"process": "samverkansteamet", "participant": {
        "name": NAME, "personnummer": NUMBER, "skyddad": True}, "data": SAMVERKANSTEAMET})
    assert answer.status_code == 201, answer.get_json()
    case = shipped.case(answer.get_json()["id"])
    assert case.protected and case.participant["behoriga"] == ["rebecka"]
    refused = team.post("/cases", "rebecka", {"process": "samverkansteamet", "participant": {
        "name": "Ola Ek", "personnummer": personnummer("19900101", "123"), "skyddad": "kanske"},
        "data": SAMVERKANSTEAMET})
    assert refused.status_code == 422 and "participant.skyddad" in refused.get_json()["details"]["fields"]


# --- mails, notices, notifications -----------------------------------------------------------------

def test_the_reply_notice_and_its_mail_name_the_placeholder(app: Flask, shipped: WorkflowEngine, gunnar: str,
                                                            mailbox: Mailbox) -> None:
    walk(shipped, gunnar, [
        ("bedom_remiss", {"teammote_datum": "2026-01-21", "beslut": "ej_antagen"}),
        ("svara_remittent_avslag", {"avslagsgrund": "annat", "svar_skickat_datum": "2026-01-22",
                                    "motivering": "Kontakta oss igen."})], "tove")
    [notice] = [n for n in shipped.notifications() if n.case_id == gunnar and n.kind == "notice"]
    assert HIDDEN in notice.body and NAME not in notice.body and notice.participant_name == HIDDEN
    from web.accounts.directory import AccountsDirectory

    worker = DeliveryWorker(shipped.db, shipped.clock, AccountsDirectory(shipped.db), mailbox.mailer(),
                            DeliverySettings(base_url="https://samverkan.test", digest_hour=None), owner="w1")
    worker.run()
    mails = mailbox.to("rebecka@samverkan.test")
    assert mails and all(NAME not in text_of(m) and NAME not in str(m["Subject"]) for m in mails)
    assert any("besvarat remissen för Skyddad identitet" in text_of(m) for m in mails)
    page = Person(app, "rebecka").get("/notifications").get_data(as_text=True)
    assert HIDDEN in page and NAME not in page


def test_protecting_him_later_takes_his_name_out_of_notices_already_written(
        app: Flask, shipped: WorkflowEngine, team: Api) -> None:
    case_id = _register(app, protected=False)
    walk(shipped, case_id, [
        ("registrera_informationsmote", {"mote_datum": "2026-01-14"}),
        ("informationsmote", {"teammedlem_1": "arvid", "teammedlem_2": "sam", "deltagarens_svar": "ja"}),
        ("registrera_remiss", {"remiss_inkom": "2026-01-16"}),
        ("bedom_remiss", {"teammote_datum": "2026-01-21", "beslut": "ej_antagen"}),
        ("svara_remittent_avslag", {"avslagsgrund": "annat", "svar_skickat_datum": "2026-01-22",
                                    "motivering": "Kontakta oss igen."})], "tove")
    assert any(NAME in n.body for n in shipped.notifications() if n.case_id == case_id)
    _name_them(app, case_id, "arvid")
    assert all(NAME not in n.body for n in shipped.notifications() if n.case_id == case_id)


def test_reminders_in_the_inbox_and_the_notifications_page_name_nobody(app: Flask, shipped: WorkflowEngine,
                                                                      gunnar: str) -> None:
    shipped.advance_clock(timedelta(days=15))  # the reply is overdue: a reminder and an escalation
    page = Person(app, "tove").get("/notifications").get_data(as_text=True)
    assert HIDDEN in page and NAME not in page


# --- the register extract -------------------------------------------------------------------------

def test_the_admin_gets_his_data_through_the_register_extract(app: Flask, gunnar: str) -> None:
    ada = Person(app, "ada")
    answer = ada.post("/registerutdrag", {"personnummer": NUMBER, "format": "json"})
    [case] = json.loads(answer.get_data(as_text=True))["cases"]
    assert case["id"] == gunnar and case["participant"]["name"] == NAME and case["participant"]["skyddad"] is True
