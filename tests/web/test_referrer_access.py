"""Access by need: the referrer who sent a participant sees her referral's status, the reply, the
contact persons, the dates and the outcome — the values the model shares with her
(``delas_med_remittent``) — and nothing else: not the team's notes or comments, not the other data,
not the full personnummer, not the team's tasks. One test per row of ``web.authz.SEES``, through the
pages and the API, on the journeys `serve` deploys. Found as a new user would: Rebecka (another
authority) read the team's notes, every raw variable (``kand_psykiatrin`` …), revealed the full
personnummer and was offered the team's tasks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask

from engine.api import WorkflowEngine
from tests.registrations import registered
from tests.web.browser import PASSWORD, Person
from tests.web.conftest import Api, personnummer, walk
from web import authz

PEOPLE = {"tove": ("Tove Teamledare", ["teamledare"], ["samverkansteamet"]),
          "arvid": ("Arvid Berg", ["arbetscoach"], ["samverkansteamet"]),
          "sam": ("Sam Sius", ["sius-konsulent"], ["samverkansteamet"]),
          "karin": ("Karin Koordinator", ["koordinator"], ["gemensamma_taget"]),
          "rebecka": ("Rebecka Remittent", ["remittent"], []),
          "rolf": ("Rolf Remittent", ["remittent"], [])}
NUMBER = personnummer("19850312", "234")
NOTE = "Intern anteckning: pratade med psykiatrin om medicineringen"
COMMENT = "Intern kommentar: vänta med beslutet"
REMISS_NOTE = "Remissen saknar läkarintyg (internt)"
DECISION_COMMENT = "Kommentar för teamet: tveksam motivation"


@dataclass
class Referral:
    app: Flask
    engine: WorkflowEngine
    case_id: str
    api: Api

    def person(self, username: str) -> Person:
        return Person(self.app, username)

    def page(self, username: str) -> str:
        person = self.person(username)
        answer = person.get(f"/cases/{self.case_id}")
        assert answer.status_code == 200, answer.status_code
        return answer.get_data(as_text=True)


@pytest.fixture
def team(app: Flask, shipped: WorkflowEngine) -> Iterator[Api]:
    accounts = app.extensions["samverkan.accounts"]
    tokens = {}
    for username, (name, roles, teams) in PEOPLE.items():
        accounts.add_user(username, roles, teams, password=PASSWORD, display_name=name)
        tokens[username] = accounts.create_token(username)
    yield Api(app.test_client(), tokens)


def _referred(app: Flask, engine: WorkflowEngine, api: Api) -> Referral:
    case = engine.start_case("samverkansteamet", participant={"name": "Gunnar Gran", "personnummer": NUMBER},
                             actor="rebecka", data=registered("samverkansteamet"))
    walk(engine, case.id, [
        ("registrera_informationsmote", {"mote_datum": "2026-01-14"}),
        ("informationsmote", {"teammedlem_1": "arvid", "teammedlem_2": "sam", "deltagarens_svar": "ja"}),
        ("registrera_remiss", {"remiss_inkom": "2026-01-16", "remiss_anteckning": REMISS_NOTE})], "tove")
    return Referral(app, engine, case.id, api)


@pytest.fixture
def accepted(app: Flask, shipped: WorkflowEngine, team: Api) -> Referral:
    """Rebecka's referral, taken on by the team, its contact persons named; a note and a comment."""
    referral = _referred(app, shipped, team)
    walk(shipped, referral.case_id, [
        ("bedom_remiss", {"teammote_datum": "2026-01-20", "beslut": "antagen", "beslut_kommentar": DECISION_COMMENT}),
        ("utse_kontaktpersoner", {"kontaktperson": "arvid", "andra_kontaktperson": "sam"})], "tove")
    tove = app.extensions["samverkan.accounts"].user("tove")
    teamwork = app.extensions["samverkan.teamwork"]
    now = shipped.clock.now()
    teamwork.add_note(referral.case_id, tove, NOTE, now)
    task = shipped.case(referral.case_id).open_tasks[0]
    teamwork.add_note(referral.case_id, tove, COMMENT, now, task_id=task.id)
    return referral


@pytest.fixture
def rejected(app: Flask, shipped: WorkflowEngine, team: Api) -> Referral:
    """Rebecka's referral, declined with a reply to her: the case has ended with its outcome."""
    referral = _referred(app, shipped, team)
    walk(shipped, referral.case_id, [
        ("bedom_remiss", {"teammote_datum": "2026-01-21", "beslut": "ej_antagen",
                          "beslut_kommentar": DECISION_COMMENT}),
        ("svara_remittent_avslag", {"avslagsgrund": "pagaende_missbruk", "svar_skickat_datum": "2026-01-22",
                                    "motivering": "Kontakta oss igen efter avslutad behandling."})], "tove")
    return referral


def _label(engine: WorkflowEngine, case_id: str, element: str, field: str, option: str) -> str:
    case = engine.case(case_id)
    spec = engine.forms(case.process_key, case.process_version)[element].field(field)
    assert spec is not None
    return next(o.label for o in spec.options if o.id == option)


# --- the model ------------------------------------------------------------------------------------

def test_the_shipped_models_share_the_reply_contact_persons_dates_and_outcome_only(shipped: WorkflowEngine) -> None:
    for key, must, never in (
        ("samverkansteamet", {"beslut", "motivering", "kontaktperson", "andra_kontaktperson", "utfall",
                              "avslut_datum", "sammanfattning", "teammote_datum", "remittent", "samtycke_datum"},
         {"beslut_kommentar", "remiss_anteckning", "kartlaggning_anteckning", "handlingsplan",
          "sjukskriven_from", "vilande_anteckning"}),
        ("gemensamma_taget", {"aterforing_skal", "handlaggare", "utfall", "avslut_datum", "gruppstart",
                              "remitterande_myndighet"},
         {"kand_psykiatrin", "kand_socialtjansten", "kand_af", "asi_sammanfattning", "urval_motivering",
          "gemensam_bedomning", "vilande_anteckning"}),
    ):
        version = max(p.version for p in shipped.processes() if p.key == key)
        forms = shipped.forms(key, version)
        start = shipped.start_form(key, version)
        shared = authz.shared_keys([*forms.values(), start])
        assert must <= shared, (key, must - shared)
        assert not never & shared, (key, never & shared)


# --- status and dates ---------------------------------------------------------------------------

def test_the_referrer_sees_her_referrals_status_and_dates(accepted: Referral) -> None:
    page = accepted.page("rebecka")
    assert "Gunnar Gran" in page and "Pågår" in page
    for date in ("2026-01-14", "2026-01-16", "2026-01-20"):  # information meeting, referral, admission
        assert date in page, date
    assert "Karin Ek, Försäkringskassan Lindesberg" in page  # what she registered herself


# --- the reply and the outcome ------------------------------------------------------------------

def test_the_referrer_reads_the_reply_and_the_outcome(rejected: Referral) -> None:
    page = rejected.page("rebecka")
    assert "Kontakta oss igen efter avslutad behandling." in page
    assert _label(rejected.engine, rejected.case_id, "svara_remittent_avslag", "avslagsgrund",
                  "pagaende_missbruk") in page
    assert _label(rejected.engine, rejected.case_id, "bedom_remiss", "beslut", "ej_antagen") in page
    assert "2026-01-22" in page  # the reply sent, and the case's end
    assert DECISION_COMMENT not in page and REMISS_NOTE not in page
    data = rejected.api.get(f"/cases/{rejected.case_id}", "rebecka").get_json()
    assert data["status"] == "completed"
    assert data["data"]["motivering"] == "Kontakta oss igen efter avslutad behandling."
    assert data["data"]["utfall"] == "ej_antagen" and data["data"]["avslut_datum"] == "2026-01-22"
    assert "beslut_kommentar" not in data["data"] and "remiss_anteckning" not in data["data"]


# --- contact persons ----------------------------------------------------------------------------

def test_the_referrer_sees_the_contact_persons_by_name(accepted: Referral) -> None:
    page = accepted.page("rebecka")
    assert "Arvid Berg" in page and "Sam Sius" in page
    data = accepted.api.get(f"/cases/{accepted.case_id}", "rebecka").get_json()["data"]
    assert data["kontaktperson"] == "arvid" and data["andra_kontaktperson"] == "sam"


# --- unshared data, in the page, the finished task and the API ------------------------------------

def test_the_referrer_does_not_see_what_the_model_does_not_share(accepted: Referral) -> None:
    page = accepted.page("rebecka")
    assert DECISION_COMMENT not in page and REMISS_NOTE not in page
    data = accepted.api.get(f"/cases/{accepted.case_id}", "rebecka").get_json()
    assert set(data["data"]) <= authz.shared_keys(
        [*accepted.engine.forms("samverkansteamet", data["version"]).values(),
         accepted.engine.start_form("samverkansteamet", data["version"])])
    assert "teammedlem_1" not in data["data"] and "beslut_kommentar" not in data["data"]
    assert DECISION_COMMENT not in str(data) and REMISS_NOTE not in str(data)
    # Her history: the case's start and the steps that recorded what she may read, nothing else.
    assert {e["event"] for e in data["history"]} <= {"CaseStarted", "TaskCompleted", "CaseCompleted", "CaseCancelled"}
    assert data["open_tasks"] == [] and data["timers"] == [] and data["waiting_messages"] == []


def test_a_finished_task_shows_the_referrer_only_its_shared_values(accepted: Referral) -> None:
    history = accepted.engine.history(accepted.case_id)
    done = {e.element: e.details["task_id"] for e in history if e.event == "TaskCompleted"}
    rebecka, tove = accepted.person("rebecka"), accepted.person("tove")
    decision = rebecka.get(f"/cases/{accepted.case_id}/tasks/{done['bedom_remiss']}")
    assert decision.status_code == 200
    assert "2026-01-20" in decision.get_data(as_text=True)
    assert DECISION_COMMENT not in decision.get_data(as_text=True)
    staff_view = tove.get(f"/cases/{accepted.case_id}/tasks/{done['bedom_remiss']}")
    assert DECISION_COMMENT in staff_view.get_data(as_text=True)
    # The information meeting: the participant's answer is hers, who held the meeting is not.
    meeting = rebecka.get(f"/cases/{accepted.case_id}/tasks/{done['informationsmote']}")
    assert "Arvid Berg" not in meeting.get_data(as_text=True)  # the team members who held the meeting


# --- notes and comments -------------------------------------------------------------------------

def test_the_referrer_reads_no_notes_or_comments_and_cannot_comment(accepted: Referral) -> None:
    rebecka = accepted.person("rebecka")
    page = accepted.page("rebecka")
    assert NOTE not in page and COMMENT not in page and 'id="notes"' not in page
    task = accepted.engine.case(accepted.case_id).open_tasks[0]
    assert rebecka.get(f"/tasks/{task.id}").status_code == 404  # the team's task (and its comments)
    assert rebecka.post(f"/tasks/{task.id}/comments", {"text": "Hej!"}).status_code == 404
    assert rebecka.post(f"/cases/{accepted.case_id}/notes", {"text": "Hej!"}).status_code == 403
    assert [n.text for n in accepted.app.extensions["samverkan.teamwork"].notes(accepted.case_id)] == [NOTE, COMMENT]
    assert accepted.api.get(f"/tasks?case={accepted.case_id}", "rebecka").get_json() == []
    assert accepted.api.post(f"/tasks/{task.id}/claim", "rebecka").status_code == 404


# --- the personnummer ---------------------------------------------------------------------------

def test_the_referrer_cannot_reveal_the_full_personnummer(accepted: Referral) -> None:
    rebecka = accepted.person("rebecka")
    page = accepted.page("rebecka")
    assert NUMBER not in page and "Visa hela" not in page
    assert rebecka.post(f"/cases/{accepted.case_id}/personnummer").status_code == 403
    assert accepted.api.get(f"/cases/{accepted.case_id}?reveal=personnummer", "rebecka").status_code == 403
    assert NUMBER not in str(accepted.api.get(f"/cases/{accepted.case_id}", "rebecka").get_json())


# --- the process map, the open tasks, the inbox ---------------------------------------------------

def test_the_referrer_gets_no_process_map_no_open_tasks_and_no_inbox_link(accepted: Referral) -> None:
    page = accepted.page("rebecka")
    assert "case-diagram" not in page and 'id="now-title"' not in page
    assert "/inbox" not in page.split("<main", 1)[-1]


# --- another referrer's case ----------------------------------------------------------------------

def test_another_referrer_cannot_read_the_case(accepted: Referral) -> None:
    assert accepted.person("rolf").get(f"/cases/{accepted.case_id}").status_code == 404
    assert accepted.api.get(f"/cases/{accepted.case_id}", "rolf").status_code == 404
    assert accepted.api.get("/cases", "rolf").get_json() == []
    assert [c["id"] for c in accepted.api.get("/cases", "rebecka").get_json()] == [accepted.case_id]


# --- staff see what they saw ------------------------------------------------------------------------

def test_the_team_still_sees_everything(accepted: Referral) -> None:
    page = accepted.page("tove")
    for seen in (NOTE, COMMENT, DECISION_COMMENT, REMISS_NOTE, "case-diagram", 'id="now-title"', "Visa hela"):
        assert seen in page, seen
    data = accepted.api.get(f"/cases/{accepted.case_id}", "tove").get_json()
    assert data["data"]["beslut_kommentar"] == DECISION_COMMENT and data["open_tasks"]
    assert any(e["event"] == "TaskCreated" for e in data["history"])
    assert accepted.person("tove").post(f"/cases/{accepted.case_id}/personnummer").status_code == 200


# --- Gemensamma taget: what the recruitment group records is not the referrer's ------------------

def test_gemensamma_taget_keeps_the_authorities_known_from_the_referrer(app: Flask, shipped: WorkflowEngine,
                                                                       team: Api) -> None:
    case = shipped.start_case("gemensamma_taget", participant={"name": "Greta Grön", "personnummer": NUMBER},
                              actor="rebecka", data=registered("gemensamma_taget"))
    walk(shipped, case.id, [("registrera_remiss", {
        "remiss_inkom": "2026-01-12", "utredningsmaterial": "Psykiatrisk utredning 2025 (internt)",
        "utredningsmaterial_datum": "2025-11-01", "kand_af": True, "kand_fk": False,
        "kand_socialtjansten": True, "kand_viva": False, "kand_psykiatrin": True,
        "tidigare_deltagit": False})], "karin")
    data = team.get(f"/cases/{case.id}", "rebecka").get_json()["data"]
    assert data["remiss_inkom"] == "2026-01-12"
    for unshared in ("kand_psykiatrin", "kand_socialtjansten", "kand_af", "utredningsmaterial"):
        assert unshared not in data, unshared
    page = Person(app, "rebecka").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "2026-01-12" in page
    assert "Aktuell hos psykiatrin" not in page and "Psykiatrisk utredning" not in page
    staff = team.get(f"/cases/{case.id}", "karin").get_json()["data"]
    assert staff["kand_psykiatrin"] is True and staff["kand_socialtjansten"] is True
