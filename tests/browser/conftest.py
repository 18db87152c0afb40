"""The app in a real browser: the demo (both journeys deployed, demo users and cases) served by
waitress on a free port, and headless Chromium driven by Playwright.

The tests skip only when Chromium is missing (CI installs it through `.ci/run`). Screenshots go to
`tests/artifacts/`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from engine.api import WorkflowEngine
from engine.views import SourceFile
from tests.registrations import registered
from tests.web.conftest import personnummer
from web.demo import CHOICES, seed

ROOT = Path(__file__).parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DIAGRAM_BUNDLE = ROOT / "web" / "static" / "build" / "case_diagram.js"
#: A Monday morning in Stockholm; the demo's overdue work is overdue relative to it.
CLOCK_START = datetime(2026, 1, 12, 7, 0, tzinfo=UTC)
LEADER = "tove.teamledare"

expect.set_options(timeout=10_000)


#: Cases of our own, waiting at a known step, so that no two tests work on the same task and none
#: depends on where the demo's random cases happen to stand: name → (participant, birth, step).
OWN_CASES = {
    "mouse": ("Musa Klicksson", "19860203", "registrera_remiss"),
    "keyboard": ("Tora Tangentsson", "19870304", "bedom_remiss"),
    "axe": ("Alma Granskare", "19880405", "bedom_remiss"),
}


@dataclass
class LiveServer:
    url: str
    passwords: dict[str, str]
    #: OWN_CASES' names → the id of the open task the case waits at
    tasks: dict[str, str]


@dataclass
class Watch:
    """What went wrong in the browser while a page was open: console errors, uncaught
    exceptions, failed requests and Content-Security-Policy violations."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def csp_violations(self, page: Page) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = page.evaluate("window.__cspViolations || []")
        return found


#: Recorded from the first script that runs in every document, before the page's own.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push({directive: event.violatedDirective, blocked: event.blockedURI,
                               source: event.sourceFile, line: event.lineNumber, sample: event.sample});
});
"""


@pytest.fixture(scope="session", autouse=True)
def _chromium_present() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian package chromium; .ci/run installs it)")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo on a fresh SQLite database with a simulated clock, on 127.0.0.1 and a free port."""
    from waitress import create_server

    from web import create_app

    assert DIAGRAM_BUNDLE.exists(), f"{DIAGRAM_BUNDLE} is missing: run `npm ci && npm run build`"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    database = tmp_path_factory.mktemp("browser") / "db.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{database}", "SIMULATED_CLOCK": True,
                      "CLOCK_START": CLOCK_START, "SECRET_KEY": "browser-tests"})
    engine = app.extensions["samverkan.engine"]
    processes = ROOT / "processes"
    engine.deploy([SourceFile(p.name, p.read_bytes()) for p in sorted(processes.iterdir())
                   if p.suffix in (".bpmn", ".dmn")], "system")
    passwords = seed(engine, app.extensions["samverkan.accounts"])
    tasks = {key: _case_waiting_at(engine, step, name, personnummer(birth, "321").replace("-", ""))
             for key, (name, birth, step) in OWN_CASES.items()}
    # An hour on: the deadlines the demo's back-dated cases have passed fire, so there are notifications.
    engine.advance_clock(to=CLOCK_START + timedelta(hours=1))

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="browser-tests-server", daemon=True)
    thread.start()
    # localhost, not 127.0.0.1: the session cookie is Secure, which browsers allow over plain HTTP
    # only on localhost.
    yield LiveServer(f"http://localhost:{server.effective_port}", passwords, tasks)
    server.close()
    thread.join(timeout=5)
    engine.db.dispose()


def _case_waiting_at(engine: WorkflowEngine, step: str, name: str, number: str) -> str:
    """A new case in Samverkansteamet, moved on the way the demo moves its cases until `step` is open."""
    case = engine.start_case("samverkansteamet", participant={"name": name, "personnummer": number,
                                                               "municipality": "Nora"},
                             data=registered("samverkansteamet", hemkommun="Nora"), participant_key=number,
                             actor="rebecka.remittent")
    for _ in range(20):
        open_tasks = sorted(case.open_tasks, key=lambda t: (t.created_at, t.name))
        waiting = [t for t in open_tasks if t.name == step]
        if waiting:
            return waiting[0].id
        assert open_tasks, f"{name}'s case ended before {step}"
        task = open_tasks[0]
        case = engine.complete_task(task.id, task.form.sample_answers(CLOCK_START.date(), CHOICES),
                                    task.assignee or "demo")
    raise AssertionError(f"{name}'s case never reached {step}")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                  args=["--no-sandbox"])
    yield browser
    browser.close()


def new_context(browser: Browser, server: LiveServer, **options: Any) -> BrowserContext:
    context = browser.new_context(base_url=server.url, locale="sv-SE", timezone_id="Europe/Stockholm",
                                  viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    context = new_context(browser, live_server)
    context.add_init_script(CSP_LISTENER)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def watch(page: Page) -> Watch:
    """Everything the browser complains about on `page`."""
    return watched(page)


def watched(page: Page) -> Watch:
    """Start noting everything the browser complains about on `page`."""
    seen = Watch()
    page.on("console", lambda message: seen.console_errors.append(f"{message.text} ({message.location})")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
    # The browser fetches the page's icon on its own and drops the fetch when the page moves on.
    page.on("requestfailed", lambda request: None if "/favicon" in request.url and "ABORTED" in str(request.failure)
            else seen.failed_requests.append(f"{request.url}: {request.failure}"))
    return seen


def screenshot(page: Page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, server: LiveServer, username: str = LEADER) -> None:
    """Through the sign-in form, with the mouse."""
    page.goto("/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(server.passwords[username])
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def wait_for_diagram(page: Page) -> None:
    """Until bpmn-js has drawn the case's diagram and marked where the case is now."""
    diagram = page.locator(".case-diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    page.wait_for_selector(".case-diagram svg")
    current = json.loads(diagram.get_attribute("data-current") or "[]")
    if current:
        page.wait_for_selector(".case-diagram .djs-element.case-current")
