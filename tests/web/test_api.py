"""The JSON API as other systems use it: tokens, the contract's shapes, and who may see what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.views import SourceFile
from tests.bpmn import BPMN_DIR
from tests.web.conftest import Api, personnummer

GUNNAR = personnummer("19850312", "123")


def _start(api: Api, user: str = "lena", number: str = GUNNAR) -> dict:  # type: ignore[type-arg]
    answer = api.post("/cases", user, {"process": "referral_reply",
                                       "participant": {"name": "Gunnar G", "personnummer": number,
                                                       "municipality": "Nora"},
                                       "data": {"remittent": "AF Nora"}})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()  # type: ignore[no-any-return]


def test_without_a_valid_token_nothing_is_answered(api: Api) -> None:
    assert api.get("/processes", None).status_code == 401
    api.tokens["nobody"] = "not-a-token"
    answer = api.get("/cases", "nobody")
    assert answer.status_code == 401 and answer.get_json()["error"] == "unauthorized"


def test_a_designer_deploys_and_everyone_sees_the_process(deployed: Api) -> None:
    processes = deployed.get("/processes", "carl").get_json()
    assert [(p["key"], p["version"]) for p in processes] == [("referral_reply", 1)]


def test_only_designers_deploy_and_invalid_files_are_refused_with_their_problems(api: Api) -> None:
    xml = (BPMN_DIR / "referral_reply.bpmn").read_bytes()
    assert api.post("/processes", "carl", data=xml, content_type="application/xml", json=None).status_code == 403
    hostile = xml.replace(b"beslut == 'ja'", b"__import__('os').system('id')")
    answer = api.post("/processes", "designer", data=hostile, content_type="application/xml", json=None)
    assert answer.status_code == 422
    problems = answer.get_json()["details"]["problems"]
    assert problems[0]["element"] == "f_yes" and "not allowed" in problems[0]["message"]


def test_a_case_is_started_with_a_checked_personnummer(deployed: Api) -> None:
    case = _start(deployed)
    assert case["status"] == "open" and case["process"] == "referral_reply" and case["version"] == 1
    assert case["participant"] == {"name": "Gunnar G", "personnummer": "19850312-****", "municipality": "Nora",
                                   "skyddad": False}
    revealed = deployed.get(f"/cases/{case['id']}?reveal=personnummer", "lena").get_json()
    assert revealed["participant"]["personnummer"] == GUNNAR.replace("-", "")  # normalised, in full on request
    assert [t["name"] for t in case["open_tasks"]] == ["register_referral"]
    assert case["history"][0]["event"] == "CaseStarted" and case["history"][0]["actor"] == "lena"

    wrong = deployed.post("/cases", "lena", {"process": "referral_reply",
                                             "participant": {"name": "X", "personnummer": "19850312-1230"}})
    assert wrong.status_code == 422
    assert "kontrollsiffran" in wrong.get_json()["details"]["fields"]["participant.personnummer"]


def test_a_second_open_case_for_the_same_person_is_refused(deployed: Api) -> None:
    _start(deployed)
    again = deployed.post("/cases", "carl", {"process": "referral_reply",
                                             "participant": {"name": "Gunnar", "personnummer": GUNNAR}})
    assert again.status_code == 409 and again.get_json()["error"] == "duplicate_case"


def test_staff_see_their_own_interventions_only_and_referrers_their_own_referrals(deployed: Api) -> None:
    by_staff = _start(deployed, "lena")
    by_rita = _start(deployed, "rita", personnummer("19900101", "456"))

    assert deployed.get(f"/cases/{by_staff['id']}", "carl").status_code == 200
    assert deployed.get(f"/cases/{by_staff['id']}", "otto").status_code == 404
    assert deployed.get(f"/cases/{by_staff['id']}", "rita").status_code == 404
    assert deployed.get(f"/cases/{by_rita['id']}", "rita").status_code == 200
    assert deployed.get(f"/cases/{by_rita['id']}", "rolf").status_code == 404
    assert deployed.get(f"/cases/{by_rita['id']}", "admin").status_code == 200

    assert {c["id"] for c in deployed.get("/cases", "carl").get_json()} == {by_staff["id"], by_rita["id"]}
    assert [c["id"] for c in deployed.get("/cases", "rita").get_json()] == [by_rita["id"]]
    assert deployed.get("/cases", "otto").get_json() == []
    assert deployed.get("/cases", "rolf").get_json() == []


def test_tasks_are_offered_to_their_groups_within_the_team(deployed: Api) -> None:
    case = _start(deployed)
    mine = deployed.get("/tasks", "carl").get_json()
    assert [t["name"] for t in mine] == ["register_referral"]
    assert mine[0]["candidate_groups"] == ["teamledare", "arbetscoach"]
    assert mine[0]["form"]["fields"][0] == {
        "id": "remiss_inkom", "label": "Remissen inkom", "type": "date", "required": True, "options": [],
        "default": None, "readonly": False, "min": None, "max": None, "minlength": None, "maxlength": None}
    assert deployed.get("/tasks", "otto").get_json() == []
    assert [t["case_id"] for t in deployed.get(f"/tasks?case={case['id']}", "lena").get_json()] == [case["id"]]
    assert deployed.get(f"/tasks?case={case['id']}", "otto").status_code == 404


def test_claiming_and_completing_a_task(deployed: Api) -> None:
    case = _start(deployed)
    task = case["open_tasks"][0]

    assert deployed.post(f"/tasks/{task['id']}/claim", "carl").get_json()["assignee"] == "carl"
    taken = deployed.post(f"/tasks/{task['id']}/claim", "cecilia")
    assert taken.status_code == 409
    assert deployed.get("/tasks?mine=1", "carl").get_json()[0]["id"] == task["id"]
    assert deployed.post(f"/tasks/{task['id']}/complete", "cecilia", {"data": {}}).status_code == 403

    refused = deployed.post(f"/tasks/{task['id']}/complete", "carl", {"data": {"remiss_inkom": "igår"}})
    assert refused.status_code == 422
    assert set(refused.get_json()["details"]["fields"]) == {"remiss_inkom"}
    assert deployed.get(f"/cases/{case['id']}", "carl").get_json()["open_tasks"][0]["id"] == task["id"]

    done = deployed.post(f"/tasks/{task['id']}/complete", "carl", {"data": {"remiss_inkom": "2026-01-12"}})
    assert done.status_code == 200
    after = done.get_json()["case"]
    assert [t["name"] for t in after["open_tasks"]] == ["assess"]
    assert after["open_tasks"][0]["due_at"] == "2026-01-25T23:00:00+00:00"
    assert after["data"]["remiss_inkom"] == "2026-01-12"

    again = deployed.post(f"/tasks/{task['id']}/complete", "carl", {"data": {"remiss_inkom": "2026-01-12"}})
    assert again.status_code == 409


def test_a_message_reaches_a_case_that_waits_for_it(deployed: Api) -> None:
    case = _start(deployed)
    task = case["open_tasks"][0]
    deployed.post(f"/tasks/{task['id']}/complete", "carl", {"data": {"remiss_inkom": "2026-01-12"}})

    assert deployed.post(f"/cases/{case['id']}/messages", "lena", {"name": "sjukskriven"}).status_code == 409
    answer = deployed.post(f"/cases/{case['id']}/messages", "lena", {"name": "samtycke_aterkallat", "data": {}})
    assert answer.status_code == 202
    assert deployed.get(f"/cases/{case['id']}", "lena").get_json()["status"] == "completed"
    assert deployed.post("/cases/nope/messages", "lena", {"name": "x"}).status_code == 404


def test_a_message_to_a_process_that_starts_on_it_opens_a_case(api: Api) -> None:
    xml = (BPMN_DIR / "case_messages.bpmn").read_bytes()
    assert api.post("/processes", "designer", data=xml, content_type="application/xml", json=None).status_code == 201

    opened = api.post("/processes/kvitto_test/messages", "admin", {"name": "urval_klart", "data": {"valda": []}})
    assert opened.status_code == 201, opened.get_json()
    case = opened.get_json()
    assert case["process"] == "kvitto_test" and [t["name"] for t in case["open_tasks"]] == ["lasa"]
    assert api.post("/processes/kvitto_test/messages", "admin", {"name": "annat"}).status_code == 409
    assert api.post("/processes/kvitto_test/messages", "lena", {"name": "urval_klart"}).status_code in (403, 404)
    by_hand = api.post("/cases", "admin", {"process": "kvitto_test", "participant": {"name": "X"}})
    assert by_hand.status_code == 409 and "opens its cases itself" in by_hand.get_json()["message"]


def test_the_simulated_clock_moves_and_fires_what_falls_due(deployed: Api) -> None:
    case = _start(deployed)
    task = case["open_tasks"][0]
    deployed.post(f"/tasks/{task['id']}/complete", "carl", {"data": {"remiss_inkom": "2026-01-12"}})

    assert deployed.get("/clock", "lena").get_json() == {"now": "2026-01-12T07:00:00+00:00"}
    moved = deployed.post("/clock", "lena", {"advance": "P15D"})
    assert moved.get_json() == {"now": "2026-01-27T07:00:00+00:00"}
    overdue = deployed.get("/tasks?overdue=1", "lena").get_json()
    assert [t["name"] for t in overdue] == ["assess"]
    names = [t["name"] for t in deployed.get(f"/cases/{case['id']}", "lena").get_json()["open_tasks"]]
    assert sorted(names) == ["assess", "escalate"]
    assert deployed.post("/clock", "rita", {"advance": "P1D"}).status_code == 403


def test_reminders_and_escalations_reach_the_team_leader_and_no_one_else(deployed: Api) -> None:
    case = _start(deployed)
    task = case["open_tasks"][0]
    deployed.post(f"/tasks/{task['id']}/complete", "carl", {"data": {"remiss_inkom": "2026-01-12"}})
    deployed.post("/clock", "lena", {"advance": "P15D"})

    seen = deployed.get("/notifications", "lena").get_json()
    assert [(n["kind"], n["recipient"]) for n in seen] == [
        ("escalation", "teamledare (referral_reply)"), ("reminder", "teamledare (referral_reply)")]
    assert seen[0]["case_id"] == case["id"] and seen[0]["subject"].startswith("Försenad: Bedömning")
    assert deployed.get("/notifications", "carl").get_json() == []
    assert deployed.get("/notifications", "otto").get_json() == []
    assert len(deployed.get("/notifications", "admin").get_json()) == 3  # + the styrgrupp's escalation


def test_without_a_simulated_clock_there_is_no_clock_endpoint(database_url: str, tmp_path: Path) -> None:
    from web import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x"})
    accounts = app.extensions["samverkan.accounts"]
    accounts.add_user("lena", ["teamledare"], ["referral_reply"], None)
    token = accounts.create_token("lena")
    answer = app.test_client().get("/api/v1/clock", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
    assert "/clock" not in app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    app.extensions["samverkan.engine"].db.dispose()


def test_reads_of_personal_data_are_logged(deployed: Api, app) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from web.accounts.models import AccessLogRow

    case = _start(deployed)
    deployed.get(f"/cases/{case['id']}", "carl")
    with app.extensions["samverkan.accounts"].db.transaction() as session:
        rows = session.scalars(select(AccessLogRow).order_by(AccessLogRow.id)).all()
        assert [(r.username, r.action) for r in rows] == [("lena", "case.started"), ("carl", "case.read")]


def _log_of(app: Any) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from web.accounts.models import AccessLogRow

    with app.extensions["samverkan.accounts"].db.reading() as session:
        return [(r.username, r.action) for r in session.scalars(select(AccessLogRow).order_by(AccessLogRow.id))]


def test_a_completion_and_its_log_entry_are_committed_together(deployed: Api, app: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry of a change is written in the change's own transaction: if it cannot be written,
    the task stays open and the case unchanged, as if nothing had been sent."""
    from web.accounts.access_log import AccessLog

    case = _start(deployed)
    task = case["open_tasks"][0]
    assert _log_of(app) == [("lena", "case.started")]

    def full_disk(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(AccessLog, "add", staticmethod(full_disk))
        with pytest.raises(OSError):
            deployed.post(f"/tasks/{task['id']}/complete", "carl", {"data": {"remiss_inkom": "2026-01-12"}})
    unchanged = deployed.get(f"/cases/{case['id']}", "carl").get_json()
    assert [t["id"] for t in unchanged["open_tasks"]] == [task["id"]]
    assert "remiss_inkom" not in unchanged["data"]
    assert not [e for e in unchanged["history"] if e["event"] == "task_completed"]

    done = deployed.post(f"/tasks/{task['id']}/complete", "carl", {"data": {"remiss_inkom": "2026-01-12"}})
    assert done.status_code == 200
    assert _log_of(app) == [("lena", "case.started"), ("carl", "case.read"),
                            ("carl", "task.completed.register_referral")]


def test_a_case_that_could_not_be_logged_was_not_started(deployed: Api, app: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from web.accounts.access_log import AccessLog

    def full_disk(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(AccessLog, "add", staticmethod(full_disk))
    with pytest.raises(OSError):
        _start(deployed)
    monkeypatch.undo()
    assert deployed.get("/cases", "lena").get_json() == []
    assert _start(deployed)["status"] == "open"  # the person has no open case: nothing was half-stored


def test_the_openapi_document_describes_every_endpoint(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/processes", "/processes/{key}/messages", "/cases", "/cases/{id}", "/cases/{id}/messages", "/tasks",
        "/tasks/{id}/claim", "/tasks/{id}/unclaim", "/tasks/{id}/complete", "/notifications", "/clock"}
    routes = {r.rule.removeprefix("/api/v1").replace("<case_id>", "{id}").replace("<task_id>", "{id}")
              .replace("<process>", "{key}")
              for r in api.client.application.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    assert routes - {"/openapi.json"} == set(document["paths"])


def test_a_task_of_another_intervention_is_not_found_not_just_in_conflict(deployed: Api) -> None:
    task = _start(deployed)["open_tasks"][0]
    assert deployed.post(f"/tasks/{task['id']}/complete", "otto", {"data": {}}).status_code == 404
    assert deployed.post(f"/tasks/{task['id']}/claim", "otto").status_code == 404
    assert deployed.post("/tasks/no-such-task/complete", "carl", {"data": {}}).status_code == 409


def test_a_task_claimed_in_another_intervention_is_not_found_and_whose_it_is_not_said(deployed: Api) -> None:
    case = _start(deployed)
    task = case["open_tasks"][0]
    assert deployed.post(f"/tasks/{task['id']}/claim", "carl").status_code == 200

    refused = deployed.post(f"/tasks/{task['id']}/complete", "otto", {"data": {}})
    assert refused.status_code == 404
    assert "carl" not in refused.get_data(as_text=True)
    assert [t["id"] for t in deployed.get(f"/cases/{case['id']}", "carl").get_json()["open_tasks"]] == [task["id"]]


def _participant(**changes: Any) -> dict[str, Any]:
    return {"name": "Gunnar G", "personnummer": GUNNAR, "municipality": "Nora", **changes}


@pytest.mark.parametrize(("body", "field"), [
    ({"participant": _participant(email="g@example.se")}, "participant.email"),
    ({"participant": _participant(), "priority": "high"}, "priority"),
    ({"participant": _participant(municipality="Atlantis")}, "participant.municipality"),
    ({"participant": _participant(name="G" * 1_000_000)}, "participant.name"),
    ({"participant": _participant(name="Gunnar\x00G")}, "participant.name"),
    ({"participant": _participant(), "data": {"samtycke_datum": "2099-01-01"}}, "data.samtycke_datum"),
    ({"participant": _participant(), "data": {"samtycke_datum": "2026-02-30"}}, "data.samtycke_datum"),
    ({"participant": _participant(), "data": {"remitterande_myndighet": "Skatteverket"}},
     "data.remitterande_myndighet"),
])
def test_a_case_is_started_through_the_api_only_if_the_registration_page_would_start_it(
        deployed: Api, body: dict[str, Any], field: str) -> None:
    answer = deployed.post("/cases", "lena", {"process": "referral_reply", **body})

    assert answer.status_code == 422
    assert field in answer.get_json()["details"]["fields"]
    assert deployed.get("/cases", "lena").get_json() == []  # nothing started


@pytest.mark.parametrize("raw", [
    '{"process": "referral_reply", "participant": %s, "data": {"x": NaN}}',
    '{"process": "referral_reply", "participant": %s, "data": {"x": -Infinity}}',
    '{"process": "referral_reply", "participant": %s, "data": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}",
])
def test_nan_infinity_and_nesting_past_the_parser_are_refused_as_bad_requests(deployed: Api, raw: str) -> None:
    body = raw.replace("%s", json.dumps(_participant()), 1)
    answer = deployed.call("POST", "/cases", "lena", data=body, content_type="application/json")

    assert answer.status_code == 400
    assert answer.get_json()["error"] == "bad_request"
    listed = deployed.get("/cases", "lena")
    assert listed.status_code == 200 and json.loads(listed.text) == []


def test_an_incidents_traceback_is_shown_to_administrators_only(deployed: Api, app: Any) -> None:
    engine = app.extensions["samverkan.engine"]
    engine.deploy([SourceFile("broken_after_timer.bpmn", (BPMN_DIR / "broken_after_timer.bpmn").read_bytes())], "x")
    app.extensions["samverkan.accounts"].add_user("ida", ["arbetscoach"], ["broken_after_timer"], password="x" * 12)
    deployed.tokens["ida"] = app.extensions["samverkan.accounts"].create_token("ida")
    case = engine.start_case("broken_after_timer", actor="ida")
    engine.advance_clock("P8D")  # the gateway after the timer needs data the case lacks

    staff = deployed.get(f"/cases/{case.id}", "ida").get_json()["incident"]
    admin = deployed.get(f"/cases/{case.id}", "admin").get_json()["incident"]

    assert staff["element"] == admin["element"] == "check"
    assert "traceback" not in staff
    assert "Traceback (most recent call last)" in admin["traceback"]
