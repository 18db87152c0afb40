"""Consent with its scope and its last day: Rebecka refers Gunnar to Samverkansteamet with his consent,
given on 5 January for the team's authorities, valid to 31 January. As the last day nears the case
page says so; the day after it, the consent has lapsed: the team's work coach Arvid and Rebecka no
longer read his case (as if it did not exist), the lists stop naming him, and no mail about him goes
out — only Tove, the team leader, and the admin still read it. Tove records his renewed consent and
the team reads the case again. A revoked consent narrows the case the same way, for good."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from engine.api import WorkflowEngine
from engine.errors import Conflict, InvalidInput
from engine.notifications.delivery import WITHHELD, DeliveryWorker
from engine.settings import DeliverySettings
from engine.views import ConsentStatus
from engine.views.consent import consent_of
from tests.mailbox import Mailbox
from tests.registrations import SAMVERKANSTEAMET
from tests.web.browser import Person
from tests.web.conftest import Api, personnummer, staffed, walk
from web.accounts.access_log import Search
from web.accounts.directory import AccountsDirectory

PEOPLE = {"tove": ("Tove Teamledare", ["teamledare"], ["samverkansteamet"]),
          "arvid": ("Arvid Berg", ["arbetscoach"], ["samverkansteamet"]),
          "sam": ("Sam Sius", ["sius-konsulent"], ["samverkansteamet"]),
          "rebecka": ("Rebecka Remittent", ["remittent"], []),
          "ada": ("Ada Admin", ["admin"], [])}
NAME = "Gunnar Gran"
LAST_DAY = "2026-01-31"  # the journey's clock starts on Monday 12 January 2026
WITHDRAWN = "Samtycket har upphört"


@pytest.fixture
def team(app: Flask, shipped: WorkflowEngine) -> Api:
    return staffed(app, PEOPLE)


def _refer(app: Flask, name: str = NAME, number: str = personnummer("19850312", "234"), **consent: str) -> str:
    """Rebecka registers the participant on the registration page, consent and its last day given."""
    form = {k: v for k, v in SAMVERKANSTEAMET.items() if k not in ("kon", "fodelsear")}
    answer = Person(app, "rebecka").post("/register/samverkansteamet", {
        "name": name, "personnummer": number, **form, "samtycke_giltigt_till": LAST_DAY, **consent})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"].rsplit("/", 1)[-1]


@pytest.fixture
def gunnar(app: Flask, shipped: WorkflowEngine, team: Api) -> str:
    case_id = _refer(app)
    walk(shipped, case_id, [
        ("registrera_informationsmote", {"mote_datum": "2026-01-14"}),
        ("informationsmote", {"teammedlem_1": "arvid", "teammedlem_2": "sam", "deltagarens_svar": "ja"}),
        ("registrera_remiss", {"remiss_inkom": "2026-01-16"})], "tove")
    return case_id


def _lapse(shipped: WorkflowEngine) -> None:
    shipped.advance_clock(to="2026-02-01T08:00:00+01:00")


def _status(app: Flask, username: str, path: str) -> int:
    return Person(app, username).get(path).status_code


# --- what the consent is ----------------------------------------------------------------------------

def test_a_consent_is_valid_then_due_for_renewal_then_lapsed_or_revoked() -> None:
    data = {"samtycke_datum": "2026-01-05", "samtycke_omfattning": "FK, AF", "samtycke_giltigt_till": LAST_DAY}
    assert consent_of(data, date(2025, 12, 31)).status is ConsentStatus.VALID  # 31 days left
    assert consent_of(data, date(2026, 1, 1)).status is ConsentStatus.EXPIRING  # 30 days left
    assert consent_of(data, date(2026, 1, 31)).status is ConsentStatus.EXPIRING  # its last day holds
    lapsed = consent_of(data, date(2026, 2, 1))
    assert lapsed.status is ConsentStatus.LAPSED and lapsed.withdrawn and lapsed.valid_until == date(2026, 1, 31)
    assert consent_of({**data, "samtycke_giltigt_till": None}, date(2030, 1, 1)).status is ConsentStatus.VALID
    revoked = consent_of({**data, "samtycke_aterkallat_datum": "2026-01-20"}, date(2026, 1, 21))
    assert revoked.status is ConsentStatus.REVOKED and revoked.withdrawn
    assert consent_of({}, date(2026, 1, 1)).status is ConsentStatus.MISSING
    assert not consent_of({}, date(2026, 1, 1)).withdrawn


# --- the case page -------------------------------------------------------------------------------------

def test_the_case_page_tells_his_consent_and_that_it_lapses_soon(app: Flask, gunnar: str) -> None:
    page = Person(app, "arvid").get(f"/cases/{gunnar}").get_data(as_text=True)
    assert "Förfaller 2026-01-31" in page and "Gäller till och med 2026-01-31" in page
    assert "Uppgifter om arbete och hälsa mellan FK, AF och kommunen" in page
    assert 'id="consent-renewal"' not in page  # a work coach does not record consent
    assert 'id="consent-renewal"' in Person(app, "tove").get(f"/cases/{gunnar}").get_data(as_text=True)


# --- a lapsed consent narrows who reads the case --------------------------------------------------------

def test_once_it_lapsed_only_the_team_leader_and_the_admin_read_his_case(app: Flask, shipped: WorkflowEngine,
                                                                        team: Api, gunnar: str) -> None:
    assert _status(app, "arvid", f"/cases/{gunnar}") == 200
    _lapse(shipped)
    for username in ("arvid", "sam", "rebecka"):
        assert _status(app, username, f"/cases/{gunnar}") == 404, username
        assert team.get(f"/cases/{gunnar}", username).status_code == 404, username
    assert _status(app, "tove", f"/cases/{gunnar}") == 200
    assert _status(app, "ada", f"/cases/{gunnar}") == 200
    page = Person(app, "tove").get(f"/cases/{gunnar}").get_data(as_text=True)
    assert "Förföll 2026-01-31" in page and "Uppgifterna delas inte längre" in page


def test_the_rest_of_the_team_cannot_work_on_his_tasks(app: Flask, shipped: WorkflowEngine, team: Api,
                                                       gunnar: str) -> None:
    _lapse(shipped)
    [task] = [t for t in shipped.case(gunnar).open_tasks if t.name == "bedom_remiss"]
    assert _status(app, "arvid", f"/tasks/{task.id}") == 404
    assert team.post(f"/tasks/{task.id}/claim", "arvid").status_code == 404


def test_the_lists_stop_naming_him_to_the_rest_of_the_team(app: Flask, shipped: WorkflowEngine, team: Api,
                                                           gunnar: str) -> None:
    other = _refer(app, "Olle Ek", personnummer("19900101", "123"), samtycke_giltigt_till="2026-12-31")
    _lapse(shipped)
    arvid = Person(app, "arvid")
    cases = arvid.get("/cases").get_data(as_text=True)
    assert NAME not in cases and WITHDRAWN in cases and f"/cases/{gunnar}" not in cases
    assert "Olle Ek" in cases and f"/cases/{other}" in cases
    inbox = arvid.get("/inbox?tab=all").get_data(as_text=True)
    assert NAME not in inbox and WITHDRAWN in inbox
    assert all(f"/tasks/{task.id}" not in inbox for task in shipped.case(gunnar).open_tasks)
    listed = {c["id"] for c in team.get("/cases", "arvid").get_json()}
    assert gunnar not in listed and other in listed
    tove = Person(app, "tove").get("/cases").get_data(as_text=True)
    assert NAME in tove and f"/cases/{gunnar}" in tove


# --- no mail about him ------------------------------------------------------------------------------------

def test_no_mail_about_him_goes_out_once_it_lapsed(app: Flask, shipped: WorkflowEngine, gunnar: str,
                                                   mailbox: Mailbox) -> None:
    other = _refer(app, "Olle Ek", personnummer("19900101", "123"), samtycke_giltigt_till="2026-12-31")
    walk(shipped, other, [
        ("registrera_informationsmote", {"mote_datum": "2026-01-14"}),
        ("informationsmote", {"teammedlem_1": "arvid", "teammedlem_2": "sam", "deltagarens_svar": "ja"}),
        ("registrera_remiss", {"remiss_inkom": "2026-01-16"})], "tove")
    shipped.advance_clock(to="2026-02-02T08:00:00+01:00")  # both replies overdue: reminders, escalations
    about = {case: [n for n in shipped.notifications() if n.case_id == case] for case in (gunnar, other)}
    assert about[gunnar] and about[other]
    worker = DeliveryWorker(shipped.db, shipped.clock, AccountsDirectory(shipped.db), mailbox.mailer(),
                            DeliverySettings(base_url="https://samverkan.test", digest_hour=None), owner="w1")
    worker.run()
    withheld = shipped.operations.deliveries(case_id=gunnar, mails_only=False, limit=500)
    sent = shipped.operations.deliveries(case_id=other, limit=500)
    assert withheld and all(d.status == "skipped" and d.last_error == WITHHELD for d in withheld)
    assert any(d.status == "sent" for d in sent)
    assert all(NAME not in str(m["Subject"]) for m in mailbox.messages)
    # In the app, the team leader still sees the reminder about the case she still reads.
    assert NAME in Person(app, "tove").get("/notifications").get_data(as_text=True)


def test_the_notifications_about_him_leave_the_referrers_list_once_it_lapsed(app: Flask, shipped: WorkflowEngine,
                                                                             gunnar: str) -> None:
    walk(shipped, gunnar, [
        ("bedom_remiss", {"teammote_datum": "2026-01-21", "beslut": "ej_antagen"}),
        ("svara_remittent_avslag", {"avslagsgrund": "annat", "svar_skickat_datum": "2026-01-22",
                                    "motivering": "Kontakta oss igen."})], "tove")
    assert NAME in Person(app, "rebecka").get("/notifications").get_data(as_text=True)  # the reply's notice
    _lapse(shipped)
    assert NAME not in Person(app, "rebecka").get("/notifications").get_data(as_text=True)


# --- renewal --------------------------------------------------------------------------------------------

def test_the_team_leader_records_his_renewed_consent_and_the_team_reads_again(
        app: Flask, shipped: WorkflowEngine, gunnar: str) -> None:
    _lapse(shipped)
    tove = Person(app, "tove")
    answer = tove.post(f"/cases/{gunnar}/samtycke", {
        "samtycke_datum": "2026-02-01", "samtycke_omfattning": "FK, AF och kommunen: arbete och hälsa",
        "samtycke_giltigt_till": "2026-12-31", "reason": "Förnyat vid trepartssamtal"})
    assert answer.status_code == 302
    case = shipped.case(gunnar)
    assert case.data["samtycke_datum"] == "2026-02-01" and case.data["samtycke_giltigt_till"] == "2026-12-31"
    assert shipped.consent(case).status is ConsentStatus.VALID
    [renewed] = [e for e in shipped.history(gunnar) if e.event == "ConsentRenewed"]
    assert renewed.actor == "tove" and renewed.details["reason"] == "Förnyat vid trepartssamtal"
    entries, _total = app.extensions["samverkan.accounts"].access_log.page(Search(username="tove",
                                                                                   case_ids=(gunnar,)))
    assert "consent.renewed" in {e.action for e in entries}
    assert _status(app, "arvid", f"/cases/{gunnar}") == 200
    page = Person(app, "arvid").get(f"/cases/{gunnar}").get_data(as_text=True)
    assert "Samtycket förnyat" in page  # in the history


@pytest.mark.parametrize(("form", "message"), [
    ({"samtycke_datum": "2099-01-01", "samtycke_giltigt_till": "2099-12-31"}, "kan inte ligga i framtiden"),
    ({"samtycke_datum": "2026-02-01", "samtycke_giltigt_till": "2026-01-15"}, "Sista giltighetsdag"),
    ({"samtycke_datum": "inte ett datum"}, "ÅÅÅÅ-MM-DD"),
    ({"samtycke_datum": "2026-02-01", "samtycke_omfattning": "  "}, "Ange samtyckets omfattning"),
    ({"samtycke_datum": "2026-02-01", "reason": ""}, "Skriv en anledning"),
])
def test_a_renewal_that_does_not_hold_changes_nothing(app: Flask, shipped: WorkflowEngine, gunnar: str,
                                                      form: dict[str, str], message: str) -> None:
    _lapse(shipped)
    before = shipped.case(gunnar)
    tove = Person(app, "tove")
    fields = {"samtycke_omfattning": "FK och AF", "reason": "Förnyat", **form}
    answer = tove.post(f"/cases/{gunnar}/samtycke", fields)
    assert answer.status_code == 302
    page = tove.get(f"/cases/{gunnar}").get_data(as_text=True)
    assert message in page
    assert shipped.case(gunnar).data == before.data and shipped.case(gunnar).revision == before.revision


def test_only_team_leaders_coordinators_and_admins_record_consent(app: Flask, shipped: WorkflowEngine,
                                                                  gunnar: str) -> None:
    fields = {"samtycke_datum": "2026-01-20", "samtycke_omfattning": "FK", "reason": "Förnyat"}
    assert Person(app, "arvid").post(f"/cases/{gunnar}/samtycke", fields).status_code == 403
    assert Person(app, "rebecka").post(f"/cases/{gunnar}/samtycke", fields).status_code == 403
    assert Person(app, "tove").post(f"/cases/{gunnar}/samtycke", fields, csrf=False).status_code == 400
    assert shipped.case(gunnar).data["samtycke_giltigt_till"] == LAST_DAY


# --- revocation ---------------------------------------------------------------------------------------------

def test_a_revoked_consent_records_its_day_narrows_the_case_and_cannot_be_renewed(
        app: Flask, shipped: WorkflowEngine, team: Api, gunnar: str) -> None:
    shipped.advance_clock(timedelta(days=2))
    answer = team.post(f"/cases/{gunnar}/messages", "tove", {"name": "samtycke_aterkallat"})
    assert answer.status_code == 202, answer.get_json()
    case = shipped.case(gunnar)
    assert case.data["samtycke_aterkallat_datum"] == "2026-01-14"
    assert shipped.consent(case).status is ConsentStatus.REVOKED
    assert _status(app, "arvid", f"/cases/{gunnar}") == 404
    assert _status(app, "rebecka", f"/cases/{gunnar}") == 404
    page = Person(app, "tove").get(f"/cases/{gunnar}").get_data(as_text=True)
    assert "Återkallat 2026-01-14" in page and 'id="consent-renewal"' not in page
    with pytest.raises(Conflict):
        shipped.renew_consent(gunnar, date(2026, 1, 14), "FK", None, "Nytt samtycke", "tove")


def test_the_engine_refuses_a_renewal_without_scope_or_reason(shipped: WorkflowEngine, gunnar: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        shipped.renew_consent(gunnar, date(2026, 1, 12), " ", date(2025, 12, 31), "", "tove")
    assert set(refused.value.details) == {"scope", "valid_until", "reason"}


# --- the journey asks for the renewal -------------------------------------------------------------------

def _renewal(shipped: WorkflowEngine, case_id: str) -> list[Any]:
    return [t for t in shipped.case(case_id).open_tasks if t.name == "fornya_samtycke"]


def test_the_journey_asks_the_team_leader_to_renew_before_the_last_day(app: Flask, shipped: WorkflowEngine,
                                                                       gunnar: str) -> None:
    assert _renewal(shipped, gunnar) == []
    shipped.advance_clock(timedelta(days=2))  # the month's look at the consent: it ends within two months
    [task] = _renewal(shipped, gunnar)
    assert task.candidate_groups == ("teamledare",)
    assert task.due_at is not None and task.due_at.isoformat() == "2026-01-31T23:00:00+00:00"  # as it lapses
    shipped.complete_task(task.id, {"samtycke_fornyat": True, "nytt_samtycke_datum": "2026-01-14",
                                    "nytt_samtycke_omfattning": "FK, AF och kommunen",
                                    "nytt_samtycke_giltigt_till": "2026-12-31"}, "tove")
    case = shipped.case(gunnar)
    assert (case.data["samtycke_datum"], case.data["samtycke_omfattning"], case.data["samtycke_giltigt_till"]) == \
        ("2026-01-14", "FK, AF och kommunen", "2026-12-31")
    shipped.advance_clock(to="2026-10-01T12:00:00+02:00")
    assert _renewal(shipped, gunnar) == []  # the new consent holds: nothing to ask for months
    assert _status(app, "arvid", f"/cases/{gunnar}") == 200
    shipped.advance_clock(to="2026-11-14T12:00:00+01:00")
    assert len(_renewal(shipped, gunnar)) == 1  # asked again before the new last day


def test_a_consent_not_renewed_lapses_and_is_asked_for_once(app: Flask, shipped: WorkflowEngine,
                                                           gunnar: str) -> None:
    shipped.advance_clock(timedelta(days=2))
    [task] = _renewal(shipped, gunnar)
    refused = shipped.form_problems(task.id, {"samtycke_fornyat": True, "nytt_samtycke_giltigt_till": "2026-12-31"})
    assert set(refused) == {"nytt_samtycke_datum", "nytt_samtycke_omfattning"}  # renewed: its day and scope
    shipped.complete_task(task.id, {"samtycke_fornyat": False, "nytt_samtycke_giltigt_till": "2026-12-31"}, "tove")
    assert shipped.case(gunnar).data["samtycke_giltigt_till"] == LAST_DAY  # what a consent not renewed says is moot
    shipped.advance_clock(to="2026-03-20T12:00:00+01:00")
    assert _renewal(shipped, gunnar) == []  # asked once for that last day, not every month
    assert _status(app, "arvid", f"/cases/{gunnar}") == 404
