"""Process designers at /design, as they work: open a process, make a draft, change it the way the
editor does (the XML the bpmn-js designer posts), see it checked, try it in the sandbox, publish it
with a change note, compare versions, upload and download models, and move open cases."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from engine import events
from engine.api import WorkflowEngine, folder_files
from engine.views import Case, SourceFile
from tests.bpmn import BPMN_DIR
from tests.registrations import registered
from tests.web.browser import Person
from tests.web.conftest import Api

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BPMN_NAME = "samverkansteamet.bpmn"
DMN_NAME = "samverkansteamet_motesplats.dmn"
#: What the designer changes in the properties panel: the task's due date and its escalation timer.
DUE_14 = 'camunda:dueDate="${date(remiss_inkom) + days(14)}" camunda:followUpDate'
DUE_10 = 'camunda:dueDate="${date(remiss_inkom) + days(10)}" camunda:followUpDate'
TIMER_14 = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">${iso(date(remiss_inkom) + days(14))}</bpmn:timeDate>'
TIMER_10 = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">${iso(date(remiss_inkom) + days(10))}</bpmn:timeDate>'

INFORMATIONSMOTE_BOKAT = {"mote_datum": "2026-01-14"}
INFORMATIONSMOTE = {"teammedlem_1": "anna.karlsson", "teammedlem_2": "cecilia.berg", "deltagarens_svar": "ja"}
REMISS = {"remiss_inkom": "2026-01-16"}


def midnight(day: str) -> datetime:
    """Midnight in Stockholm (winter) at the start of ``day``, in UTC."""
    return datetime.fromisoformat(f"{day}T00:00:00+01:00").astimezone(UTC)


@pytest.fixture
def studio(api: Api, app: Flask) -> Iterator[Flask]:
    """The app with processes/ deployed as ``serve`` deploys it: every journey, one deployment."""
    engine(app).deploy(folder_files(PROCESSES), "setup", keep_published=True)
    accounts = app.extensions["samverkan.accounts"]
    for username, name in (("anna.karlsson", "Anna Karlsson"), ("cecilia.berg", "Cecilia Berg")):  # at the meeting
        accounts.add_user(username, ["arbetscoach"], ["samverkansteamet"], password="x" * 12, display_name=name)
    yield app


def engine(app: Flask) -> WorkflowEngine:
    return app.extensions["samverkan.engine"]


def at_assessment(app: Flask, name: str) -> Case:
    """A real case of Samverkansteamet whose referral came in on 2026-01-16: at the team's assessment."""
    real = engine(app)
    case = real.start_case("samverkansteamet", participant={"name": name}, actor="lena",
                           data=registered("samverkansteamet"))
    for element, data in (("registrera_informationsmote", INFORMATIONSMOTE_BOKAT),
                          ("informationsmote", INFORMATIONSMOTE), ("registrera_remiss", REMISS)):
        task = next(t for t in real.case(case.id).open_tasks if t.name == element)
        real.complete_task(task.id, dict(data), "lena")
    return real.case(case.id)


def new_draft(person: Person, version: int = 1) -> int:
    person.get("/design/processes/samverkansteamet")
    answer = person.post("/design/processes/samverkansteamet/drafts", {"version": str(version)})
    assert answer.status_code == 302, person.text()[:500]
    person.follow(answer)
    return int(answer.headers["Location"].rsplit("/", 1)[-1])


def post_xml(person: Person, path: str, xml: str, *, csrf: bool = True, opened_as: str | None = None) -> Any:
    """What the editor script does: POST the model as XML with the CSRF token in X-CSRFToken (and,
    saving, what the file was when the editor opened it in X-Draft-Opened-As)."""
    headers = {"Content-Type": "application/xml", "Accept": "application/json"}
    if csrf:
        headers["X-CSRFToken"] = person.token()
    if opened_as is not None:
        headers["X-Draft-Opened-As"] = opened_as
    return person.client.post(path, data=xml.encode("utf-8"), headers=headers)


def opened_as(person: Person) -> str:
    """What the editor page says its file was when it was made (the editor sends it back on saving)."""
    assert person.page is not None
    found = re.search(r'data-opened-as="([0-9a-f]+)"', person.page.text)
    assert found, "the editor page gives no data-opened-as"
    return found.group(1)


def draft_xml(person: Person, draft: int, name: str = BPMN_NAME) -> str:
    answer = person.client.get(f"/design/drafts/{draft}/files/{name}")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    return answer.text


def sandbox_task(person: Person, element: str) -> str:
    """The form action of an open task of the sandbox's test case, found by its BPMN element."""
    assert person.page is not None
    found = re.search(rf'action="(/design/drafts/\d+/sandbox/tasks/[^"]+)"[^>]*data-element="{element}"',
                      person.page.text)
    assert found, f"no open task {element} in the sandbox: {person.text()[:800]}"
    return found.group(1)


def work_in_sandbox(person: Person, element: str, data: dict[str, str]) -> None:
    answer = person.post(sandbox_task(person, element), data)
    assert answer.status_code == 303, person.text()[:800]
    person.follow(answer)


# --- who gets in ---------------------------------------------------------------------------------------


def test_only_process_designers_and_admins_reach_the_designer(studio: Flask) -> None:
    assert Person(studio).get("/design/").status_code == 302  # to sign in
    lena = Person(studio, "lena")
    assert lena.get("/design/").status_code == 403
    assert '<a href="/design/"' not in lena.get("/inbox").text
    assert lena.post("/design/processes/samverkansteamet/drafts", {"version": "1"}).status_code == 403
    for who in ("designer", "admin"):
        person = Person(studio, who)
        assert person.get("/design/").status_code == 200
        assert re.search(r'<a href="/design/"[^>]*>Processer</a>', person.page.text)  # type: ignore[union-attr]


def test_the_process_list_shows_each_version_with_who_when_and_open_cases(studio: Flask) -> None:
    at_assessment(studio, "Gunnar")
    designer = Person(studio, "designer")
    designer.get("/design/")
    assert "Samverkansteamet (samverkansteamet)" in designer.text()
    designer.get("/design/processes/samverkansteamet")
    row = re.search(r'<tr id="version-1">(.*?)</tr>', designer.page.text, flags=re.S)  # type: ignore[union-attr]
    assert row and "setup" in row.group(1) and "2026-01-12" in row.group(1)
    assert re.search(r"<td>1</td>\s*<td><a href=\"/design/processes/samverkansteamet/versions/1.bpmn\"", row.group(1))


def test_a_draft_of_a_journey_deployed_with_the_others_holds_that_journeys_own_files(studio: Flask) -> None:
    designer = Person(studio, "designer")
    for key, files in (("samverkansteamet", [BPMN_NAME, DMN_NAME]),
                       ("gemensamma_taget", ["gemensamma_taget.bpmn", "gemensamma_taget_aldersgrupp.dmn"]),
                       ("gemensamma_taget_urval", ["gemensamma_taget_urval.bpmn"])):
        designer.get(f"/design/processes/{key}")
        answer = designer.post(f"/design/processes/{key}/drafts", {"version": "1"})
        assert answer.status_code == 302, f"{key}: {designer.text()[:300]}"
        draft = studio.extensions["samverkan.drafts"].get(int(answer.headers["Location"].rsplit("/", 1)[-1]))
        assert [f.name for f in draft.files] == files
        designer.get(f"/design/drafts/{draft.id}/changes")
        assert "Inga ändringar" in designer.text(), f"{key}: {designer.text()[:500]}"


def test_one_changed_deadline_is_exactly_one_change_with_its_old_and_new_value(studio: Flask) -> None:
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    changed = draft_xml(designer, draft).replace(DUE_14, DUE_10)
    assert post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}", changed).status_code == 200
    page = designer.get(f"/design/drafts/{draft}/changes").text
    changes = re.findall(r'<li class="designer-change designer-change--(\w+)" data-element="(\w+)"', page)
    assert changes == [("changed", "bedom_remiss")]
    details = re.findall(r'<ul class="designer-change-details">(.*?)</ul>', page, flags=re.S)
    assert len(details) == 1 and details[0].count("<li>") == 1
    assert "${date(remiss_inkom) + days(14)} → ${date(remiss_inkom) + days(10)}" in designer.text()
    assert "data-current='[\"bedom_remiss\"]'" in page and "data-incident='[]'" in page


def test_publishing_a_draft_versions_that_journey_only_and_start_up_keeps_what_was_published(
        studio: Flask) -> None:
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    changed = draft_xml(designer, draft).replace(DUE_14, DUE_10).replace(TIMER_14, TIMER_10)
    assert post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}", changed).status_code == 200
    designer.get(f"/design/drafts/{draft}")
    assert designer.post(f"/design/drafts/{draft}/publish", {"note": "Tio dagars svarstid"}).status_code == 303
    real = engine(studio)
    assert {p.key: p.version for p in real.processes()} == {
        "samverkansteamet": 2, "gemensamma_taget": 1, "gemensamma_taget_urval": 1}
    assert [s.name for s in real.version_files("samverkansteamet", 2)] == [BPMN_NAME, DMN_NAME]

    # The next start deploys processes/ again: the designer's version stays the newest.
    real.deploy(folder_files(PROCESSES), "system", keep_published=True)
    assert {p.key: p.version for p in real.processes()} == {
        "samverkansteamet": 2, "gemensamma_taget": 1, "gemensamma_taget_urval": 1}
    assert DUE_10 in real.process_xml("samverkansteamet", 2)


# --- the Done-when: a shorter reply deadline, tried, published -------------------------------


def test_a_designer_shortens_the_reply_deadline_tries_it_publishes_it_and_only_new_cases_get_it(
        studio: Flask) -> None:
    waiting = at_assessment(studio, "Gunnar Gran")
    assert waiting.open_tasks[0].due_at == midnight("2026-01-30")  # two weeks from 2026-01-16
    designer = Person(studio, "designer")

    # A draft of version 1, changed in the editor: the assessment's due date and the escalation timer.
    draft = new_draft(designer)
    assert 'id="designer"' in designer.page.text and "build/designer.js" in designer.page.text  # type: ignore[union-attr]
    xml = draft_xml(designer, draft)
    assert xml.count(DUE_14) == 1 and xml.count(TIMER_14) == 1
    changed = xml.replace(DUE_14, DUE_10).replace(TIMER_14, TIMER_10)
    checked = post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}/validate", changed)
    assert checked.status_code == 200 and checked.get_json() == {"problems": []}
    saved = post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}", changed)
    assert saved.status_code == 200 and saved.get_json()["message"] == "Utkastet är sparat."

    # Saving a draft changes nothing that runs.
    assert [v.version for v in engine(studio).versions("samverkansteamet")] == [1]

    # What changed, against version 1.
    designer.get(f"/design/drafts/{draft}/changes")
    assert "${date(remiss_inkom) + days(14)} → ${date(remiss_inkom) + days(10)}" in designer.text()
    assert "Svarstiden (14 dagar) har passerat" in designer.text()
    assert "data-current='[\"bedom_remiss\", \"eskalering_svarstid\"]'" in designer.page.text  # type: ignore[union-attr]

    # Tried in the sandbox: a test case reaches the assessment, due ten days after the referral,
    # and fourteen days on (simulated) the escalation is there.
    designer.get(f"/design/drafts/{draft}/sandbox")
    designer.follow(designer.post(f"/design/drafts/{draft}/sandbox/cases", {"name": "Testa Testsson"}))
    work_in_sandbox(designer, "registrera_informationsmote", INFORMATIONSMOTE_BOKAT)
    work_in_sandbox(designer, "informationsmote", INFORMATIONSMOTE)
    work_in_sandbox(designer, "registrera_remiss", REMISS)
    assert "Bedöma remissen på teammöte (bedom_remiss) Förfaller: 2026-01-26" in designer.text()
    designer.follow(designer.post(f"/design/drafts/{draft}/sandbox/clock", {"days": "14", "hours": "0"}))
    assert "Tid i sandlådan: 2026-01-26" in designer.text()
    assert sandbox_task(designer, "eskalera_svarstid")
    assert len(engine(studio).cases("samverkansteamet")) == 1, "the sandbox touched no real case"

    # Published with a change note: version 2, in the list and in the log.
    designer.get(f"/design/drafts/{draft}")
    answer = designer.post(f"/design/drafts/{draft}/publish", {"note": "Svarstiden till remittenten är tio dagar"})
    assert answer.status_code == 303
    designer.follow(answer)
    assert "Version 2 är publicerad." in " ".join(designer.flashes())
    version_2 = re.search(r'<tr id="version-2">(.*?)</tr>', designer.page.text, flags=re.S)  # type: ignore[union-attr]
    assert version_2 and "Svarstiden till remittenten är tio dagar" in version_2.group(1)
    assert "Version 2 publicerad : Svarstiden till remittenten är tio dagar – designer" in designer.text()
    (entry,) = [e for e in studio.extensions["samverkan.teamwork"].audit_log("process:samverkansteamet")
                if e.action == "process.published"]
    assert (entry.username, entry.details["version"], entry.details["changed"]) == ("designer", 2, 2)

    # New cases get ten days; the open one keeps its version and its fourteen.
    newer = at_assessment(studio, "Nina Ny")
    assert (newer.process_version, newer.open_tasks[0].due_at) == (2, midnight("2026-01-26"))
    kept = engine(studio).case(waiting.id)
    assert (kept.process_version, kept.open_tasks[0].due_at) == (1, midnight("2026-01-30"))
    assert [t.due_at for t in kept.timers if t.element == "eskalering_svarstid"] == [midnight("2026-01-30")]


# --- checking in place ------------------------------------------------------------------------------


def test_problems_come_back_with_their_element_ids_and_a_model_with_errors_cannot_be_published(
        studio: Flask) -> None:
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    broken = draft_xml(designer, draft).replace(TIMER_14, TIMER_14.replace(
        "${iso(date(remiss_inkom) + days(14))}", "om två veckor"))

    checked = post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}/validate", broken).get_json()
    (problem,) = checked["problems"]
    assert problem["element"] == "eskalering_svarstid" and problem["severity"] == "error"
    # The engine's English message, in the page's language (Swedish by default).
    assert problem["message"].startswith("timerns tidpunkt 'om två veckor' är varken ISO 8601 (t.ex. ")

    saved = post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}", broken)
    assert saved.status_code == 200 and saved.get_json()["problems"][0]["element"] == "eskalering_svarstid"
    assert "Rätta felen innan det kan publiceras" in saved.get_json()["message"]
    designer.get(f"/design/drafts/{draft}")
    assert "1 problem att rätta" in designer.text() and "eskalering_svarstid" in designer.text()
    assert "timerns tidpunkt 'om två veckor' är varken ISO 8601" in designer.text()
    designer.follow(designer.post("/language", {"lang": "en", "next": f"/design/drafts/{draft}"}))
    assert "timer date 'om två veckor' is neither ISO 8601" in designer.text()
    checked = post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}/validate", broken).get_json()
    assert checked["problems"][0]["message"].startswith("timer date 'om två veckor' is neither ISO 8601 (e.g. ")
    designer.follow(designer.post("/language", {"lang": "sv", "next": f"/design/drafts/{draft}"}))

    answer = designer.post(f"/design/drafts/{draft}/publish", {"note": "Försök"})
    assert answer.status_code == 303
    designer.follow(answer)
    assert "Modellen har fel och kan inte publiceras." in " ".join(designer.flashes())
    assert [v.version for v in engine(studio).versions("samverkansteamet")] == [1]


def test_a_draft_cannot_be_saved_without_its_csrf_token_or_as_something_that_is_not_a_model(studio: Flask) -> None:
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    xml = draft_xml(designer, draft)
    assert post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}", xml, csrf=False).status_code == 400
    hostile = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>'
    refused = post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}", hostile)
    assert refused.status_code == 422
    assert refused.get_json()["problems"][0]["message"].startswith("filen innehåller en DOCTYPE eller entiteter")
    assert draft_xml(designer, draft) == xml


def test_two_designers_on_one_draft_the_later_save_does_not_silently_undo_the_earlier(studio: Flask) -> None:
    designer, admin = Person(studio, "designer"), Person(studio, "admin")
    draft = new_draft(designer)
    designer.get(f"/design/drafts/{draft}")
    admin.get(f"/design/drafts/{draft}")
    mine, theirs = opened_as(designer), opened_as(admin)
    xml = draft_xml(designer, draft)

    first = post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}",
                     xml.replace('name="Bedöma remissen på teammöte"', 'name="Bedöma remissen"'), opened_as=mine)
    assert first.status_code == 200
    refused = post_xml(admin, f"/design/drafts/{draft}/files/{BPMN_NAME}",
                       xml.replace("days(14)", "days(10)"), opened_as=theirs)
    assert refused.status_code == 409
    assert refused.get_json()["message"].startswith("Utkastet sparades inte: designer sparade det ")
    assert 'name="Bedöma remissen"' in draft_xml(admin, draft)  # the first save stands

    again = post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}", draft_xml(designer, draft),
                     opened_as=first.get_json()["opened_as"])  # the editor carries on from its own save
    assert again.status_code == 200
    admin.get(f"/design/drafts/{draft}")  # reloaded: the admin's editor opens the saved version
    assert post_xml(admin, f"/design/drafts/{draft}/files/{BPMN_NAME}", draft_xml(admin, draft),
                    opened_as=opened_as(admin)).status_code == 200


def test_publishing_needs_a_change_note_and_an_unchanged_draft_publishes_nothing(studio: Flask) -> None:
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    designer.follow(designer.post(f"/design/drafts/{draft}/publish", {"note": "  "}))
    assert "Skriv en ändringsanteckning" in " ".join(designer.flashes())
    designer.follow(designer.post(f"/design/drafts/{draft}/publish", {"note": "Inget nytt"}))
    assert "det finns inget att publicera" in " ".join(designer.flashes())
    assert [v.version for v in engine(studio).versions("samverkansteamet")] == [1]


def test_the_decision_table_is_edited_and_checked_in_the_same_draft(studio: Flask) -> None:
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    designer.get(f"/design/drafts/{draft}/decisions/{DMN_NAME}")
    assert 'id="dmn-designer"' in designer.page.text and "build/dmn_editor.js" in designer.page.text  # type: ignore[union-attr]
    dmn = draft_xml(designer, draft, DMN_NAME)
    broken = dmn.replace('"Arbetsförmedlingen i Nora"', "__import__('os')")
    (problem,) = post_xml(designer, f"/design/drafts/{draft}/files/{DMN_NAME}/validate", broken).get_json()["problems"]
    assert problem["element"] and problem["file"] == DMN_NAME
    fixed = dmn.replace('"Arbetsförmedlingen i Nora"', '"Nora bibliotek"')
    assert post_xml(designer, f"/design/drafts/{draft}/files/{DMN_NAME}", fixed).get_json()["problems"] == []
    designer.get(f"/design/drafts/{draft}/changes")
    assert '"Arbetsförmedlingen i Nora" → "Nora bibliotek"' in designer.text()


# --- versions: compare, download, upload ----------------------------------------------------------------


def test_any_version_downloads_as_bpmn_and_a_camunda_modeler_file_uploads_as_a_new_draft(studio: Flask) -> None:
    designer = Person(studio, "designer")
    download = designer.client.get("/design/processes/samverkansteamet/versions/1.bpmn")
    assert download.status_code == 200 and download.mimetype == "text/plain"
    assert download.headers["Content-Disposition"] == 'attachment; filename="samverkansteamet-v1.bpmn"'
    edited = download.text.replace(DUE_14, DUE_10)

    designer.get("/design/")
    answer = designer.client.post("/design/upload", data={
        "csrf_token": designer.token(), "file": (io.BytesIO(edited.encode()), "Samverkansteamet (2).bpmn")})
    assert answer.status_code == 302
    designer.follow(answer)
    assert "Filen är uppladdad som ett utkast till samverkansteamet (från version 1)." in designer.flashes()
    draft = int(answer.headers["Location"].rsplit("/", 1)[-1])
    names = re.findall(r"/design/drafts/\d+/decisions/([^\"]+)\"", designer.page.text)  # type: ignore[union-attr]
    assert names == [DMN_NAME], "the decision table came along from version 1"
    assert "Inga problem hittades." in designer.text()
    designer.get(f"/design/drafts/{draft}/changes")
    assert "bedom_remiss" in designer.text() and "eskalering_svarstid" not in designer.text()


def test_model_files_are_served_as_text_that_a_browser_never_renders_or_runs(studio: Flask) -> None:
    """A BPMN file may carry foreign markup (an XHTML <script>): served as XML, a browser would run it."""
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    case = at_assessment(studio, "Maja Modell")
    admin = Person(studio, "admin")
    answers = [
        designer.client.get(f"/design/drafts/{draft}/files/{BPMN_NAME}"),
        designer.client.get(f"/design/drafts/{draft}/files/{BPMN_NAME}?download=1"),
        designer.client.get(f"/design/processes/samverkansteamet/versions/1/files/{DMN_NAME}"),
        designer.client.get("/design/processes/samverkansteamet/versions/1.bpmn"),
        admin.client.get(f"/cases/{case.id}/diagram.bpmn"),
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert answer.mimetype == "text/plain"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Content-Security-Policy"].startswith("sandbox")
    assert "attachment" in answers[1].headers["Content-Disposition"]
    assert "Content-Disposition" not in answers[0].headers


def test_an_unsafe_or_foreign_upload_is_refused_and_a_new_process_id_starts_a_new_process(studio: Flask) -> None:
    designer = Person(studio, "designer")
    designer.get("/design/")
    hostile = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>'
    answer = designer.client.post("/design/upload", data={"csrf_token": designer.token(),
                                                          "file": (io.BytesIO(hostile), "evil.bpmn")})
    assert answer.status_code == 422 and "evil.bpmn: filen innehåller en DOCTYPE eller entiteter" in answer.text
    reply = (BPMN_DIR / "referral_reply.bpmn").read_bytes()
    answer = designer.client.post("/design/upload", data={"csrf_token": designer.token(),
                                                          "file": (io.BytesIO(reply), "svar.bpmn")})
    designer.follow(answer)
    assert "Ett utkast till den nya processen referral_reply är skapat." in designer.flashes()


def test_the_changes_of_a_published_version_are_listed_against_the_one_before(studio: Flask) -> None:
    real = engine(studio)
    ten = (PROCESSES / BPMN_NAME).read_text(encoding="utf-8").replace(DUE_14, DUE_10)
    real.deploy([SourceFile(BPMN_NAME, ten.encode()), SourceFile(DMN_NAME, (PROCESSES / DMN_NAME).read_bytes())], "x")
    designer = Person(studio, "designer")
    designer.get("/design/processes/samverkansteamet/versions/2/changes")
    assert "Ändringar: version 1 → version 2" in designer.text()
    assert "Förfallodatum : ${date(remiss_inkom) + days(14)} → ${date(remiss_inkom) + days(10)}" in designer.text()
    assert designer.page.text.count('class="case-diagram"') == 2  # type: ignore[union-attr]
    assert not re.search(r"<script(?![^>]*\bsrc=)", designer.page.text)  # type: ignore[union-attr]


def test_a_journey_whose_fragment_has_a_newer_version_publishes_again_to_call_it(studio: Flask) -> None:
    # The journey's own file is unchanged; the fragment it calls by "latest" has a version 2 since.
    real = engine(studio)
    for name in ("avslut_fragment.bpmn", "calls_avslut.bpmn", "avslut_fragment_v2.bpmn"):
        real.deploy([SourceFile(name, (BPMN_DIR / name).read_bytes())], "setup")
    designer = Person(studio, "designer")
    designer.get("/design/processes/calls_avslut")
    answer = designer.post("/design/processes/calls_avslut/drafts", {"version": "1"})
    draft = int(answer.headers["Location"].rsplit("/", 1)[-1])

    designer.get(f"/design/drafts/{draft}/changes")
    assert "Anropad process : avslut version 1 → avslut version 2" in designer.text()
    assert "Avsluta deltagandet (anropsaktivitet, avsluta)" in designer.text()  # the call activity by its name
    designer.follow(designer.post(f"/design/drafts/{draft}/publish", {"note": "Det nya avslutet"}))
    assert [v.version for v in real.versions("calls_avslut")] == [1, 2]
    assert real.calls("calls_avslut", 2) == [("avsluta", "avslut", 2)]
    designer.get("/design/processes/calls_avslut/versions/2/changes")
    assert "Anropad process : avslut version 1 → avslut version 2" in designer.text()


# --- open cases and a new version ---------------------------------------------------------------------


def test_open_cases_move_to_the_new_version_after_a_dry_run_and_each_move_is_logged(studio: Flask) -> None:
    gunnar = at_assessment(studio, "Gunnar Gran")
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}",
             draft_xml(designer, draft).replace(DUE_14, DUE_10).replace(TIMER_14, TIMER_10))
    designer.follow(designer.post(f"/design/drafts/{draft}/publish", {"note": "Tio dagar"}))
    assert "1 pågående ärende ligger på en äldre version." in designer.text()

    designer.get("/design/processes/samverkansteamet/migration?version=2")
    assert "Gunnar Gran" in designer.text() and "Ja" in designer.text()
    page = designer.post("/design/processes/samverkansteamet/migration/dry-run",
                         {"version": "2", "case": gunnar.id})
    assert page.status_code == 200
    text = designer.text()
    assert "Före" in text and "Efter" in text and "2026-01-30" in text and "2026-01-26" in text
    assert "Uppgifter som byggs om från den nya versionen" in text and "eskalering_svarstid" in text
    assert engine(studio).case(gunnar.id).process_version == 1, "a dry run changes nothing"

    designer.follow(designer.post("/design/processes/samverkansteamet/migration",
                                  {"version": "2", "case": gunnar.id, "note": "Alla på tio dagar"}))
    assert "1 ärende flyttades till version 2." in designer.flashes()
    moved = engine(studio).case(gunnar.id)
    assert (moved.process_version, moved.open_tasks[0].due_at) == (2, midnight("2026-01-26"))
    (event,) = [e for e in engine(studio).history(gunnar.id) if e.event == events.CaseMigrated.event]
    assert event.actor == "designer" and event.details["note"] == "Alla på tio dagar"
    assert "Ärende flyttat från version 1 till 2 : Alla på tio dagar – designer" in designer.text()
    (logged,) = [e for e in studio.extensions["samverkan.teamwork"].audit_log("process:samverkansteamet")
                 if e.action == "case.migrated"]
    assert logged.details["case_id"] == gunnar.id

    lena = Person(studio, "admin")
    lena.get(f"/cases/{gunnar.id}")
    assert "Ärendet flyttades till en ny version av processen" in lena.text()


def test_the_sandbox_keeps_its_own_clock_and_can_be_emptied(studio: Flask) -> None:
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    designer.get(f"/design/drafts/{draft}/sandbox")
    designer.follow(designer.post(f"/design/drafts/{draft}/sandbox/cases", {"name": "Test", "data": "[1]"}))
    assert "Startdata ska vara ett JSON-objekt" in " ".join(designer.flashes())
    designer.follow(designer.post(f"/design/drafts/{draft}/sandbox/cases", {"name": "Test"}))
    answer = designer.post(sandbox_task(designer, "registrera_informationsmote"), {"mote_datum": "i morgon"})
    assert answer.status_code == 422 and "Formuläret har fel" in designer.text()
    designer.follow(designer.post(f"/design/drafts/{draft}/sandbox/clock", {"days": "3"}))
    assert "Tid i sandlådan: 2026-01-15" in designer.text()
    assert engine(studio).clock.now() == datetime(2026, 1, 12, 7, tzinfo=UTC), "the real clock stood still"
    assert engine(studio).cases() == []

    designer.follow(designer.post(f"/design/drafts/{draft}/sandbox/reset"))
    assert "Inga testärenden än." in designer.text() and "Tid i sandlådan: 2026-01-12" in designer.text()


def test_a_test_case_with_a_protected_identity_is_named_as_the_staff_and_the_mails_would_name_it(
        studio: Flask) -> None:
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    designer.follow(designer.post(f"/design/drafts/{draft}/sandbox/cases", {"name": "Hemlig Person", "skyddad": "ja"}))
    assert "Skyddad identitet" in designer.text() and "Hemlig Person" not in designer.text()


def test_a_discarded_draft_is_gone_from_the_lists_and_cannot_be_changed(studio: Flask) -> None:
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    asked = designer.post(f"/design/drafts/{draft}/discard")  # asked first: the draft's work goes for good
    assert asked.status_code == 200 and f"Kasta utkast {draft} av samverkansteamet?" in asked.text
    assert studio.extensions["samverkan.drafts"].get(draft).status == "open"
    designer.follow(designer.post(f"/design/drafts/{draft}/discard", {"confirmed": "ja"}))
    assert "Utkastet är kastat." in designer.flashes() and "Inga öppna utkast." in designer.text()
    assert post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}", "<x/>").status_code == 404
    assert designer.get(f"/design/drafts/{draft}/sandbox").status_code == 404


# --- in Swedish, every page ---------------------------------------------------------------------------

#: Words that are English and never Swedish: one of them in a page's own text is an untranslated string.
ENGLISH = {"the", "is", "are", "and", "of", "not", "has", "have", "with", "this", "that", "which", "draft",
           "drafts", "save", "saved", "publish", "published", "changes", "changed", "versions",
           "task", "tasks", "user", "event", "flow", "problems", "found", "none", "new", "open",
           "delete", "cancel", "submit", "due", "days", "upload", "download", "sandbox", "decision", "table",
           "usertask", "startevent", "endevent", "sequenceflow", "boundaryevent", "businessruletask", "name",
           "removed", "added", "moved", "no", "yes", "back", "clock", "case", "cases", "elements"}


def own_text(html: str) -> str:
    """What a page says itself: its text without scripts, styles, code (the model's expressions and
    ids are shown as code) and the model data the page quotes in data attributes."""
    html = re.sub(r"<(script|style|code|pre|textarea)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"&[a-z]+;|&#\d+;", " ", html)


def test_every_designer_page_speaks_swedish(studio: Flask) -> None:
    designer = Person(studio, "designer")
    draft = new_draft(designer)
    changed = draft_xml(designer, draft).replace(DUE_14, DUE_10).replace(TIMER_14, TIMER_10)
    post_xml(designer, f"/design/drafts/{draft}/files/{BPMN_NAME}", changed)
    designer.follow(designer.post(f"/design/drafts/{draft}/sandbox/cases", {"name": "Testa Testsson"}))
    pages = ["/design/", "/design/processes/samverkansteamet", f"/design/drafts/{draft}",
             f"/design/drafts/{draft}/changes", f"/design/drafts/{draft}/sandbox",
             f"/design/drafts/{draft}/decisions/{DMN_NAME}", "/design/processes/samverkansteamet/migration",
             "/design/processes/gemensamma_taget", "/design/processes/gemensamma_taget_urval"]
    xml = (PROCESSES / BPMN_NAME).read_text()
    quoted = re.findall(r'="([^"]*)"', xml) + re.findall(r">([^<]+)<", xml)  # attribute values, texts
    model_words = set(re.findall(r"[A-Za-zÅÄÖåäö_]+", " ".join(quoted)))
    for path in pages:
        answer = designer.get(path)
        assert answer.status_code == 200, path
        words = {w.lower() for w in re.findall(r"[A-Za-zÅÄÖåäö]+", own_text(answer.text))
                 if w not in model_words or w.lower() in ("the", "is", "and", "of")}
        assert not words & ENGLISH, f"{path}: English on a Swedish page: {sorted(words & ENGLISH)}"


def test_a_process_that_opens_its_cases_itself_says_when_and_its_sandbox_waits_for_the_clock(
        api: Api, app: Flask) -> None:
    engine(app).deploy([SourceFile("urval_rhythm.bpmn", (BPMN_DIR / "urval_rhythm.bpmn").read_bytes())], "designer")
    designer = Person(app, "designer")

    designer.get("/design/processes/urval_rytm")
    (automatic,) = engine(app).automatic_starts()
    assert automatic.next_due_at is not None
    when = automatic.next_due_at.astimezone(ZoneInfo("Europe/Stockholm"))
    assert f"Öppnar nästa ärende {when:%Y-%m-%d %H:%M} ( R/P6W )" in designer.text()

    answer = designer.post("/design/processes/urval_rytm/drafts", {"version": "1"})
    draft = int(answer.headers["Location"].rsplit("/", 1)[-1])
    designer.get(f"/design/drafts/{draft}/sandbox")
    designer.follow(designer.post(f"/design/drafts/{draft}/sandbox/cases", {"name": "Test"}))
    assert "Processen öppnar sina ärenden själv med sin starthändelse med timer" in " ".join(designer.flashes())
    designer.follow(designer.post(f"/design/drafts/{draft}/sandbox/clock", {"days": "43", "hours": "0"}))
    assert "Tidsgränser som passerades: 1" in " ".join(designer.flashes())
    assert engine(app).cases("urval_rytm") == [], "the sandbox touched no real case"
