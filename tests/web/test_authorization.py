"""One rule per action, kept by both doors: every role tries every action on one case through the
JSON API and through the pages, and each door must allow exactly what ``web.authz`` allows.

The tries change nothing when allowed: each is made so that, once past the authorization, the
engine or the form refuses it for a reason of its own (a message the case does not wait for, a
date that is not a date, a blank note) — so one case serves the whole matrix. A door's answer is
read as "allowed" when it got past the authorization (any answer but 401, 403 and 404).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.bpmn import BPMN_DIR
from tests.web.browser import Person
from tests.web.conftest import PASSWORD, Api, personnummer
from tests.web.roles import SHIPPED_ROLES
from web import authz
from web.authz import Action

PROCESS = "referral_reply"
#: The referrer who sends the case, and one who did not.
REFERRER, OTHER_REFERRER = "rut.remittent", "rolf.remittent"
USERS = {f"{role}.user": role for role in SHIPPED_ROLES} | {REFERRER: "remittent", OTHER_REFERRER: "remittent"}
DENIED = (401, 403, 404)


@dataclass
class Ward:
    """The app, one case sent by REFERRER at its first task, and a way in through each door per user."""

    app: Flask
    api: Api
    case_id: str
    task_id: str

    def person(self, username: str) -> Person:
        return Person(self.app, username)


@pytest.fixture
def ward(app: Flask) -> Iterator[Ward]:
    accounts = app.extensions["samverkan.accounts"]
    tokens = {}
    for username, role in USERS.items():
        teams = [] if role in ("admin", "processdesigner", "remittent") else [PROCESS]
        accounts.add_user(username, [role], teams, password=PASSWORD, display_name=username)
        tokens[username] = accounts.create_token(username)
    api = Api(app.test_client(), tokens)
    xml = (BPMN_DIR / "referral_reply.bpmn").read_bytes()
    assert api.post("/processes", "admin.user", data=xml, content_type="application/xml", json=None).status_code == 201
    started = api.post("/cases", REFERRER, {"process": PROCESS, "participant": {
        "name": "Vera Matris", "personnummer": personnummer("19900101", "123"), "municipality": "Nora"}})
    assert started.status_code == 201, started.get_json()
    case = started.get_json()
    task_id = app.extensions["samverkan.engine"].case(case["id"]).open_tasks[0].id
    yield Ward(app, api, case["id"], task_id)


def _past_the_door(answer: TestResponse) -> bool:
    return answer.status_code not in DENIED


#: action → (the API's try, the pages' try); None where that door has no such action.
Try = Callable[[Ward, str, Person], TestResponse]
TRIES: dict[Action, tuple[Try | None, Try | None]] = {
    Action.READ_CASE: (
        lambda w, u, p: w.api.get(f"/cases/{w.case_id}", u),
        lambda w, u, p: p.get(f"/cases/{w.case_id}"),
    ),
    Action.START_CASE: (
        lambda w, u, p: w.api.post("/cases", u, {"process": PROCESS, "participant": {"name": ""}}),
        None,  # the pages offer only the interventions one may start in: see the test below
    ),
    Action.REPORT_EVENT: (
        lambda w, u, p: w.api.post(f"/cases/{w.case_id}/messages", u, {"name": "ingen_sadan_handelse"}),
        lambda w, u, p: p.post(f"/cases/{w.case_id}/messages", {"name": "ingen_sadan_handelse"}),
    ),
    Action.CHANGE_CASE: (
        None,
        lambda w, u, p: p.post(f"/cases/{w.case_id}/pause", {"reason": ""}),
    ),
    Action.WRITE_NOTE: (
        None,
        lambda w, u, p: p.post(f"/cases/{w.case_id}/notes", {"text": ""}),
    ),
    Action.SEE_PERSONNUMMER: (
        lambda w, u, p: w.api.get(f"/cases/{w.case_id}?reveal=personnummer", u),
        lambda w, u, p: p.post(f"/cases/{w.case_id}/personnummer"),
    ),
    Action.WORK_ON_TASK: (
        lambda w, u, p: w.api.post(f"/tasks/{w.task_id}/complete", u, {"data": {"remiss_inkom": "inte ett datum"}}),
        lambda w, u, p: p.post(f"/tasks/{w.task_id}/complete", {"remiss_inkom": "inte ett datum"}),
    ),
    Action.COMMENT_ON_TASK: (
        None,
        lambda w, u, p: p.post(f"/tasks/{w.task_id}/comments", {"text": ""}),
    ),
    Action.ASSIGN_TASK: (
        None,
        lambda w, u, p: p.post(f"/tasks/{w.task_id}/assign", {"assignee": "ingen.i.teamet"}),
    ),
    Action.DEPLOY: (
        lambda w, u, p: w.api.post("/processes", u, data=b"", content_type="application/xml", json=None),
        lambda w, u, p: p.get("/design/"),
    ),
    Action.READ_FOLLOW_UP: (
        None,
        lambda w, u, p: p.get(f"/uppfoljning?insats={PROCESS}"),
    ),
    Action.PROTECT_IDENTITY: (
        None,
        lambda w, u, p: p.post(f"/cases/{w.case_id}/skydd", {"skyddad": "ja", "reason": ""}),
    ),
    Action.RENEW_CONSENT: (
        None,
        lambda w, u, p: p.post(f"/cases/{w.case_id}/samtycke", {"samtycke_datum": "", "reason": ""}),
    ),
}


def test_every_action_has_its_tries() -> None:
    assert set(TRIES) == set(Action)
    assert all(api or pages for api, pages in TRIES.values())


def _subject(ward: Ward, action: Action) -> Any:
    engine = ward.app.extensions["samverkan.engine"]
    if action in (Action.START_CASE, Action.READ_FOLLOW_UP):
        return PROCESS
    if action in (Action.WORK_ON_TASK, Action.COMMENT_ON_TASK, Action.ASSIGN_TASK):
        return engine.task(ward.task_id)
    if action is Action.DEPLOY:
        return None
    return engine.case(ward.case_id)


@pytest.mark.parametrize("username", sorted(USERS))
def test_the_api_and_the_pages_allow_each_role_exactly_what_the_rule_allows(ward: Ward, username: str) -> None:
    user = ward.app.extensions["samverkan.accounts"].user(username)
    person = ward.person(username)
    differences = []
    for action, (api_try, pages_try) in TRIES.items():
        rule = authz.allowed(user, action, _subject(ward, action))
        doors = {"api": api_try, "pages": pages_try}
        for door, attempt in doors.items():
            if attempt is None:
                continue
            answer = attempt(ward, username, person)
            if _past_the_door(answer) != rule:
                differences.append(f"{action.value} through the {door}: {answer.status_code}, the rule says "
                                   f"{'allowed' if rule else 'denied'}")
    assert differences == []


def test_the_matrix_holds_the_expected_answers_for_the_roles_the_probe_found_leaking(ward: Ward) -> None:
    """What the rule says for the cases the security probe reported: the referrer neither reports
    events nor comments, and staff other than registrars do not see the full personnummer."""
    engine = ward.app.extensions["samverkan.engine"]
    accounts = ward.app.extensions["samverkan.accounts"]
    case, task = engine.case(ward.case_id), engine.task(ward.task_id)
    referrer = accounts.user(REFERRER)
    assert authz.allowed(referrer, Action.READ_CASE, case)
    assert not authz.allowed(referrer, Action.REPORT_EVENT, case)
    assert not authz.allowed(referrer, Action.COMMENT_ON_TASK, task)
    for role in ("arbetscoach", "sius-konsulent", "arbetsterapeut", "styrgrupp"):
        assert not authz.allowed(accounts.user(f"{role}.user"), Action.SEE_PERSONNUMMER, case)
        shown = ward.api.get(f"/cases/{ward.case_id}", f"{role}.user").get_json()
        assert shown["participant"]["personnummer"].endswith("-****")
    assert authz.allowed(accounts.user("teamledare.user"), Action.SEE_PERSONNUMMER, case)


def test_the_pages_offer_registration_in_exactly_the_interventions_the_rule_allows(ward: Ward) -> None:
    for username in sorted(USERS):
        user = ward.app.extensions["samverkan.accounts"].user(username)
        answer = ward.person(username).get(f"/register/{PROCESS}")
        offered = answer.status_code == 200 and 'name="personnummer"' in answer.text
        assert offered == authz.allowed(user, Action.START_CASE, PROCESS), username
