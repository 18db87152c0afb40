"""The register extract (GDPR art. 15): an admin gets everything held about one person — her cases,
data, history, notes, notifications and the access log about them — and nothing about anyone else;
a case officer gets 403; every extract is itself in the access log."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import Flask

from samverkan.cli import main
from tests.web.browser import Person
from tests.web.conftest import engine_of, personnummer
from web.accounts.access_log import Search

ANNA = personnummer("19900101", "123")
BENGT = personnummer("19850505", "456")


@pytest.fixture
def scene(people: Flask) -> dict[str, str]:
    engine = engine_of(people)
    accounts, teamwork = people.extensions["samverkan.accounts"], people.extensions["samverkan.teamwork"]
    cases = {}
    for name, number in (("Anna Andersson", ANNA), ("Bengt Berg", BENGT)):
        digits = number.replace("-", "")
        case_id = engine.start_case("referral_reply", participant={"name": name, "personnummer": digits},
                                    participant_key=digits, actor="lena").id
        task = engine.case(case_id).open_tasks[0]
        engine.complete_task(task.id, {"remiss_inkom": engine.clock.now().date().isoformat()}, "lena")
        teamwork.add_note(case_id, accounts.user("lena"), f"Samtal med {name.split()[0]} om missbruket",
                          engine.clock.now())
        accounts.log_access("carl", case_id, "case.read", engine.clock.now(), "10.0.0.2")
        cases[name.split()[0]] = case_id
    engine.advance_clock(timedelta(days=12))  # a reminder about each assessment
    return cases


def test_the_extract_as_a_pdf_file_holds_her_record_and_nobody_elses(people: Flask, scene: dict[str, str]) -> None:
    from pypdf import PdfReader

    answer = Person(people, "admin").post("/registerutdrag", {"personnummer": ANNA, "format": "pdf"})
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="registerutdrag-')
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.get_data())).pages)
    assert f"Registerutdrag för {ANNA}" in text and "Anna Andersson" in text
    assert "Samtal med Anna om missbruket" in text and "Läste ärendet" in text  # a note; the access log
    assert "Bengt" not in text and BENGT not in text
    entries, _ = people.extensions["samverkan.accounts"].access_log.page(Search(username="admin"))
    assert {e.case_id for e in entries if e.action == "register.extract"} == {scene["Anna"]}


def test_an_admin_gets_everything_about_the_person_and_nothing_about_anyone_else(
        people: Flask, scene: dict[str, str]) -> None:
    admin = Person(people, "admin")
    assert admin.get("/registerutdrag").status_code == 200
    answer = admin.post("/registerutdrag", {"personnummer": ANNA, "format": "json"})
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    found = json.loads(answer.get_data(as_text=True))
    assert found["personnummer"] == ANNA
    [case] = found["cases"]
    assert case["id"] == scene["Anna"] and case["participant"]["name"] == "Anna Andersson"
    assert case["data"]["remiss_inkom"] and case["history"] and case["open_tasks"]
    assert [n["text"] for n in case["notes"]] == ["Samtal med Anna om missbruket"]
    assert case["notifications"] and {e["user"] for e in case["access_log"]} == {"carl"}
    text = answer.get_data(as_text=True)
    assert "Bengt" not in text and scene["Bengt"] not in text and BENGT.replace("-", "") not in text

    printable = admin.post("/registerutdrag", {"personnummer": ANNA, "format": "html"})
    assert printable.status_code == 200 and "Anna Andersson" in printable.text and "Bengt" not in printable.text
    entries, _ = people.extensions["samverkan.accounts"].access_log.page(Search(username="admin"))
    assert [(e.case_id, e.action) for e in entries] == [(scene["Anna"], "register.extract")] * 2

    audited = people.extensions["samverkan.teamwork"].audit_log(subject="19900101-****")
    assert [(a.username, a.action, a.details) for a in audited] == [
        ("admin", "register.extract", {"cases": [scene["Anna"]]})] * 2
    nobody = admin.post("/registerutdrag", {"personnummer": personnummer("20010101", "111"), "format": "json"})
    assert json.loads(nobody.get_data(as_text=True))["cases"] == []
    assert people.extensions["samverkan.teamwork"].audit_log(subject="20010101-****")

    refused = admin.post("/registerutdrag", {"personnummer": "1234", "format": "json"})
    assert refused.status_code == 400 and "hela personnumret" in refused.text


@pytest.mark.parametrize("username", ["lena", "carl", "rita", "designer"])
def test_no_one_but_an_admin_gets_an_extract(people: Flask, scene: dict[str, str], username: str) -> None:
    person = Person(people, username)
    assert person.get("/registerutdrag").status_code == 403
    assert person.post("/registerutdrag", {"personnummer": ANNA, "format": "json"}).status_code == 403
    entries, _ = people.extensions["samverkan.accounts"].access_log.page(Search(username=username))
    assert all(e.action != "register.extract" for e in entries)


def test_the_command_line_extract_is_for_admins(people: Flask, scene: dict[str, str], database_url: str) -> None:
    runner = CliRunner()
    refused = runner.invoke(main, ["--database", database_url, "extract", ANNA, "--actor", "lena"])
    assert refused.exit_code == 1 and "not an admin" in refused.output
    done = runner.invoke(main, ["--database", database_url, "extract", ANNA, "--actor", "admin"])
    assert done.exit_code == 0, done.output
    found = json.loads(done.output[done.output.index("{"):])
    assert [c["id"] for c in found["cases"]] == [scene["Anna"]]
