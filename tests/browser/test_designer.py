"""A process designer at the bpmn-js designer in a real browser: opens Samverkansteamet, renames a
task and changes the escalation timer in the properties panel, sees the server's validation mark an
invalid timer on the diagram, fixes it, saves, publishes with a change note, and finds the new
version in the list with that note; and the main path on `make run`'s own deployment (a draft of
version 1, one changed deadline, the sandbox, publishing).

The app runs on a database of its own (publishing changes the process, which the other browser
tests' shared demo must not see). Nothing sleeps: every wait is for something on the page.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.api import WorkflowEngine, folder_files
from engine.views import Case
from tests.browser.conftest import CSP_LISTENER, ROOT, new_context, screenshot
from tests.registrations import registered

PASSWORD = "designers own password"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DESIGNER_BUNDLE = ROOT / "web" / "static" / "build" / "designer.js"


@dataclass
class Studio:
    url: str
    engine: WorkflowEngine


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    """The app as `make run` starts it (`serve --demo`): processes/ deployed as one deployment, the
    demo users and cases, on a database of its own and a free port (a simulated clock, so that the
    dates are known)."""
    from waitress import create_server

    from web import create_app
    from web.demo import seed

    assert DESIGNER_BUNDLE.exists(), f"{DESIGNER_BUNDLE} is missing: run `npm ci && npm run build`"
    folder = tmp_path_factory.mktemp("designer")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}", "SIMULATED_CLOCK": True,
                      "CLOCK_START": datetime(2026, 1, 12, 7, tzinfo=UTC), "SECRET_KEY": "designer-browser-test",
                      "SANDBOX_DIR": folder / "sandbox"})
    engine = app.extensions["samverkan.engine"]
    engine.deploy(folder_files(ROOT / "processes"), "system", keep_published=True)
    accounts = app.extensions["samverkan.accounts"]
    seed(engine, accounts)
    accounts.set_password("david.designer", PASSWORD)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="designer-browser-test", daemon=True)
    thread.start()
    yield Studio(f"http://localhost:{server.effective_port}", engine)
    server.close()
    thread.join(timeout=5)
    engine.db.dispose()


@pytest.fixture
def designer_page(browser: Browser, studio: Studio) -> Iterator[Page]:
    context = new_context(browser, studio)  # type: ignore[arg-type]
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Användarnamn").fill("david.designer")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    yield page
    context.close()


def select(page: Page, element_id: str) -> None:
    """Click an element of the diagram, as a designer does, so the properties panel shows it."""
    page.locator(f'#designer-canvas .djs-element.djs-shape[data-element-id="{element_id}"]').click()
    expect(page.locator("#designer-properties .bio-properties-panel-header-label")).to_be_visible()


def open_group(page: Page, group_id: str) -> None:
    header = page.locator(f'#designer-properties [data-group-id="group-{group_id}"] .bio-properties-panel-group-header')
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def book_the_information_meeting(page: Page) -> None:
    """In the sandbox: the first task of a test case, done as the team leader does it."""
    first = page.locator('form.sandbox-task[data-element="registrera_informationsmote"]')
    first.get_by_label("Datum för informationsmötet").fill("2026-01-14")
    first.get_by_role("button", name="Slutför med testdata").click()


INFORMATIONSMOTE_BOKAT = {"mote_datum": "2026-01-14"}
INFORMATIONSMOTE = {"teammedlem_1": "tove.teamledare", "teammedlem_2": "arvid.arbetscoach", "deltagarens_svar": "ja"}


def at_assessment(engine: WorkflowEngine, name: str) -> Case:
    """A case of Samverkansteamet whose referral came in on 2026-01-16, now at the team's assessment."""
    case = engine.start_case("samverkansteamet", participant={"name": name}, actor="tove.teamledare",
                             data=registered("samverkansteamet"))
    steps = (("registrera_informationsmote", INFORMATIONSMOTE_BOKAT), ("informationsmote", INFORMATIONSMOTE),
             ("registrera_remiss", {"remiss_inkom": "2026-01-16"}))
    for element, data in steps:
        task = next(t for t in engine.case(case.id).open_tasks if t.name == element)
        engine.complete_task(task.id, data, "tove.teamledare")
    return engine.case(case.id)


def assessment_due(case: Case) -> str:
    return next(t for t in case.open_tasks if t.name == "bedom_remiss").due_at.astimezone(STOCKHOLM).date().isoformat()


def test_a_designer_gives_the_team_ten_days_instead_of_fourteen_on_the_demos_own_deployment(
        designer_page: Page, studio: Studio) -> None:
    """The issue's main path, on what `make run` deploys: a draft of version 1 shows no changes; the
    reply deadline changed in the Swedish properties panel is exactly one change, 14 → 10 days; tried
    in the sandbox, published with a note; new cases get ten days, an open one keeps fourteen."""
    page = designer_page
    waiting = at_assessment(studio.engine, "Vera Väntar")
    assert assessment_due(waiting) == "2026-01-30"

    page.goto("/design/processes/samverkansteamet")
    page.get_by_role("button", name="Ändra processen (nytt utkast från version 1)").click()
    expect(page.locator("#designer")).to_have_attribute("data-state", "ready")
    editor = page.url
    page.get_by_role("link", name="Se ändringar mot version 1").click()
    expect(page.locator("main")).to_contain_text("Inga ändringar.")
    expect(page.locator(".designer-change")).to_have_count(0)

    page.goto(editor)
    expect(page.locator("#designer")).to_have_attribute("data-state", "ready")
    select(page, "bedom_remiss")
    open_group(page, "CamundaPlatform__UserAssignment")
    assignment = page.locator('#designer-properties [data-group-id="group-CamundaPlatform__UserAssignment"]')
    expect(assignment.locator(".bio-properties-panel-group-header-title")).to_have_text("Tilldelning")
    expect(assignment.locator('label[for="bio-properties-panel-dueDate"]')).to_have_text("Förfallodatum")
    due = page.locator("#bio-properties-panel-dueDate")
    expect(due).to_have_value("${date(remiss_inkom) + days(14)}")
    due.fill("${date(remiss_inkom) + days(10)}")
    expect(page.locator("#designer-problems")).to_contain_text("Inga problem hittades.")
    screenshot(page, "designer-main-path-panel")
    page.get_by_role("button", name="Spara utkast").click()
    expect(page.locator("#designer-status")).to_have_text("Utkastet är sparat.")

    page.get_by_role("link", name="Se ändringar mot version 1").click()
    change = page.locator(".designer-change")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("bedom_remiss")
    expect(change.locator(".designer-change-details li")).to_have_count(1)
    expect(change).to_contain_text("${date(remiss_inkom) + days(14)} → ${date(remiss_inkom) + days(10)}")
    screenshot(page, "designer-main-path-one-change")

    page.goto(editor)
    page.get_by_role("link", name="Prova i sandlådan").click()
    page.get_by_role("button", name="Starta testärende").click()
    book_the_information_meeting(page)
    expect(page.locator(".flash-success")).to_contain_text("Klart: Registrera bokat informationsmöte.")
    meeting = page.locator('form.sandbox-task[data-element="informationsmote"]')
    meeting.get_by_label("Teammedlem som deltog").fill("anna.karlsson")
    meeting.get_by_label("Andra teammedlemmen som deltog").fill("cecilia.berg")
    meeting.get_by_label("Deltagarens svar på erbjudandet").select_option("ja")
    meeting.get_by_role("button", name="Slutför med testdata").click()
    remiss = page.locator('form.sandbox-task[data-element="registrera_remiss"]')
    remiss.get_by_label("Datum då remissen kom till Samverkansteamet").fill("2026-01-16")
    remiss.get_by_role("button", name="Slutför med testdata").click()
    expect(page.locator('form.sandbox-task[data-element="bedom_remiss"]')).to_contain_text("2026-01-26")
    screenshot(page, "designer-main-path-sandbox")

    page.goto(editor)
    page.get_by_label("Ändringsanteckning (obligatorisk)").fill("Svarstiden till remittenten är tio dagar")
    page.get_by_role("button", name="Publicera som ny version").click()
    page.wait_for_url("**/design/processes/samverkansteamet")
    expect(page.locator(".flash-success")).to_contain_text("Version 2 är publicerad.")
    expect(page.locator("#version-2")).to_contain_text("Svarstiden till remittenten är tio dagar")
    screenshot(page, "designer-main-path-published")

    newer = at_assessment(studio.engine, "Nils Ny")
    assert (newer.process_version, assessment_due(newer)) == (2, "2026-01-26")
    kept = studio.engine.case(waiting.id)
    assert (kept.process_version, assessment_due(kept)) == (1, "2026-01-30")
    assert {p.key: p.version for p in studio.engine.processes()} == {
        "samverkansteamet": 2, "gemensamma_taget": 1, "gemensamma_taget_urval": 1}


def test_a_designer_changes_a_task_and_a_timer_sees_an_invalid_timer_marked_fixes_it_and_publishes(
        designer_page: Page, studio: Studio, tmp_path: Path) -> None:
    page = designer_page
    base = studio.engine.versions("samverkansteamet")[-1].version  # the main-path test may have published one
    new = base + 1
    page.goto("/design/processes/samverkansteamet")
    page.get_by_role("button", name=f"Ändra processen (nytt utkast från version {base})").click()
    designer = page.locator("#designer")
    expect(designer).to_have_attribute("data-state", "ready")
    expect(page.locator("#designer-problems")).to_contain_text("Inga problem hittades.")

    # The task's name, in the panel's General group.
    select(page, "bedom_remiss")
    open_group(page, "general")
    name = page.locator("#bio-properties-panel-name")
    name.fill("Bedöma remissen på teammöte inom tio dagar")
    expect(page.locator('#designer-canvas [data-element-id="bedom_remiss"]')).to_contain_text("tio dagar")

    # The escalation timer, in the panel's Timer group: first something that is no time at all.
    select(page, "eskalering_svarstid")
    open_group(page, "timer")
    value = page.locator("#bio-properties-panel-timerEventDefinitionValue")
    value.fill("om tio dagar")
    marked = page.locator('#designer-canvas .djs-element.has-problem[data-element-id="eskalering_svarstid"]')
    expect(marked).to_have_count(1)
    expect(page.locator("#designer-problems")).to_contain_text("1 problem att rätta")
    expect(page.locator("#designer-problems")).to_contain_text("om tio dagar")
    expect(page.locator(".designer-problem-badge")).to_have_count(1)
    screenshot(page, "designer-invalid-timer")

    # Fixed: ten days after the referral came in. The marker goes away.
    value.fill("${iso(date(remiss_inkom) + days(10))}")
    expect(marked).to_have_count(0)
    expect(page.locator("#designer-problems")).to_contain_text("Inga problem hittades.")

    page.get_by_role("button", name="Spara utkast").click()
    expect(page.locator("#designer-status")).to_have_text("Utkastet är sparat.")
    screenshot(page, "designer-fixed-and-saved")

    page.get_by_label("Ändringsanteckning (obligatorisk)").fill("Svarstiden till remittenten är tio dagar")
    page.get_by_role("button", name="Publicera som ny version").click()
    page.wait_for_url("**/design/processes/samverkansteamet")
    expect(page.locator(".flash-success")).to_contain_text(f"Version {new} är publicerad.")
    published = page.locator(f"#version-{new}")
    expect(published).to_contain_text("Svarstiden till remittenten är tio dagar")
    expect(published).to_contain_text("david.designer")
    screenshot(page, "designer-version-2-published")

    # What changed, side by side.
    published.get_by_role("link", name=f"Ändringar mot version {base}").click()
    expect(page.locator(".designer-change")).to_have_count(2)
    expect(page.locator(".case-diagram")).to_have_count(2)
    for diagram in page.locator(".case-diagram").all():
        expect(diagram).to_have_attribute("data-state", "ready")
    expect(page.locator('.designer-diff-new .case-current[data-element-id="eskalering_svarstid"]')).to_have_count(1)
    screenshot(page, "designer-changes-side-by-side")
    assert page.evaluate("window.__cspViolations.filter(v => v.directive.startsWith('script'))") == []


def test_a_designer_tries_a_draft_in_the_sandbox_with_test_data_and_moves_its_clock(designer_page: Page) -> None:
    page = designer_page
    page.goto("/design/processes/samverkansteamet")
    page.get_by_role("button", name=re.compile(r"Ändra processen")).click()
    page.get_by_role("link", name="Prova i sandlådan").click()
    expect(page.locator("#sandbox-now")).to_have_text("2026-01-12 08:00")
    page.get_by_label("Startdata (frivilligt, JSON)").fill('{"hemkommun": "Nora"}')
    page.get_by_role("button", name="Starta testärende").click()
    # What registration asks and the start data did not say got example answers, and says so.
    expect(page.locator(".flash-info")).to_contain_text("fick exempelvärden: Remitterande myndighet")

    book_the_information_meeting(page)

    expect(page.locator(".flash-success")).to_contain_text("Klart: Registrera bokat informationsmöte.")
    expect(page.locator('form.sandbox-task[data-element="informationsmote"]')).to_be_visible()
    # The meeting place came from the draft's decision table.
    expect(page.locator("#sandbox-case dl")).to_contain_text("Arbetsförmedlingen i Nora")

    page.get_by_label("Dagar").fill("3")
    page.get_by_role("button", name="Flytta tiden", exact=True).click()
    expect(page.locator("#sandbox-now")).to_have_text("2026-01-15 08:00")
    expect(page.locator("header .clock")).to_contain_text("2026-01-12 08:00")  # the real (simulated) clock stood
    screenshot(page, "designer-sandbox")


def test_the_decision_table_of_a_draft_opens_in_the_dmn_editor_and_is_checked(designer_page: Page) -> None:
    page = designer_page
    page.goto("/design/processes/samverkansteamet")
    page.get_by_role("button", name=re.compile(r"Ändra processen")).click()
    page.get_by_role("link", name="Beslutstabell: samverkansteamet_motesplats.dmn").click()
    expect(page.locator("#dmn-designer")).to_have_attribute("data-state", "ready")
    expect(page.locator("#dmn-designer-problems")).to_contain_text("Inga problem hittades.")
    page.locator("#dmn-designer-views").get_by_role("button", name="Mötesplats för informationsmöte").click()
    expect(page.locator("#dmn-designer-canvas")).to_contain_text("Arbetsförmedlingen i Nora")
    screenshot(page, "designer-decision-table")


def test_a_second_window_on_the_same_draft_is_told_instead_of_saving_over_the_first(designer_page: Page) -> None:
    page = designer_page
    page.goto("/design/processes/samverkansteamet")
    page.get_by_role("button", name=re.compile(r"Ändra processen")).click()
    expect(page.locator("#designer")).to_have_attribute("data-state", "ready")
    other = page.context.new_page()
    other.goto(page.url)
    expect(other.locator("#designer")).to_have_attribute("data-state", "ready")

    select(page, "bedom_remiss")
    open_group(page, "general")
    page.locator("#bio-properties-panel-name").fill("Bedöma remissen")
    page.get_by_role("button", name="Spara utkast").click()
    expect(page.locator("#designer-status")).to_have_text("Utkastet är sparat.")
    page.locator("#bio-properties-panel-name").fill("Bedöma remissen på teammötet")
    page.get_by_role("button", name="Spara utkast").click()  # the same window carries on from its own save
    expect(page.locator("#designer-status")).to_have_text("Utkastet är sparat.")

    other.get_by_role("button", name="Spara utkast").click()
    expect(other.locator("#designer-status")).to_contain_text("Utkastet sparades inte: david.designer sparade det")
    expect(other.locator("#designer-status")).to_have_attribute("data-kind", "error")
    screenshot(other, "designer-saved-elsewhere")
    other.reload()
    expect(other.locator('#designer-canvas [data-element-id="bedom_remiss"]')).to_contain_text("teammötet")
